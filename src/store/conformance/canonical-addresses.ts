// Fixtures of migration 0008 (canonical suppressed addresses), run by both adapters' tests.
// Rows as an older txmail stored them: quoted spellings that the send path no longer produces.
export const OLD_SPELLINGS: ReadonlyArray<readonly [string, string]> = [
  ['t1', '"e1-ra1"@sink.test'],
  ['t1', 'e1-ra1@sink.test'],
  ['t1', '"jane.doe"@x.test'],
  ['t2', '"e1-ra1"@sink.test'],
  ['t1', '"a b"@x.test'],
  ['t1', '"a..b"@x.test'],
  ['t1', '"a\\"@b"@x.test'],
];
/** The same rows after migration 0008, ordered by tenant and address. */
export const CANONICAL_AFTER_0008: ReadonlyArray<readonly [string, string]> = [
  ['t1', '"a b"@x.test'],
  ['t1', '"a..b"@x.test'],
  ['t1', '"a\\"@b"@x.test'],
  ['t1', 'e1-ra1@sink.test'],
  ['t1', 'jane.doe@x.test'],
  ['t2', 'e1-ra1@sink.test'],
];
