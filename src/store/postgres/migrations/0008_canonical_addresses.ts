// Suppressed addresses in their canonical spelling (issue 15): quotes around a local part that
// needs none go (`"jane"@x` → `jane@x`), as domain/address/mailbox.ts now spells every address,
// so a suppression stored in the quoted spelling still matches. Where both spellings are
// listed the canonical row stays. Local parts with escapes or non-ASCII are left as they are
// (such rows are very rare). The same rule as the SQLite migration 0008.
const ATOM = "[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+";
const NEEDLESS = `'^"${ATOM}(\\.${ATOM})*"@'`;
const canonical = (a: string): string => `regexp_replace(${a}, '^"([^"]*)"@', '\\1@')`;

export default `
DELETE FROM suppressions AS s WHERE s.address ~ ${NEEDLESS}
  AND EXISTS (SELECT 1 FROM suppressions AS c WHERE c.tenant_id = s.tenant_id AND c.address = ${canonical('s.address')});
UPDATE suppressions SET address = ${canonical('address')} WHERE address ~ ${NEEDLESS};
`;
