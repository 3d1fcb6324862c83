// Scale-out: the index retention purges by. (Connection slots live in a TEMP table of the
// worker's connection, see slots.ts: SQLite runs one worker process, and a slot must not outlive it.)
export default `
CREATE INDEX messages_created ON messages(created_at);
`;
