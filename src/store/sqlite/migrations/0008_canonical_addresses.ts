// Suppressed addresses in their canonical spelling (issue 15): quotes around a local part that
// needs none go (`"jane"@x` → `jane@x`), as domain/address/mailbox.ts now spells every address,
// so a suppression stored in the quoted spelling still matches. Where both spellings are
// listed the canonical row stays. Local parts with escapes or non-ASCII are left as they are
// (SQL has no dot-atom parser; such rows are very rare). Numbered 0008 by the plan.

// The local part between the quotes: a `"` followed by `@` ends it, as a quoted local part
// holds no bare `"` (and one with `\"` has a backslash, which the atext test below refuses).
const local = (a: string): string => `substr(${a}, 2, instr(${a}, '"@') - 2)`;
const needless = (a: string): string => `${a} GLOB '"*"@*' AND instr(${a}, '"@') > 2
  AND ${local(a)} NOT GLOB '*[^A-Za-z0-9!#$%&''*+/=?^_\`{|}~.-]*'
  AND ${local(a)} NOT GLOB '.*' AND ${local(a)} NOT GLOB '*.' AND ${local(a)} NOT GLOB '*..*'`;
const canonical = (a: string): string => `${local(a)} || substr(${a}, instr(${a}, '"@') + 1)`;

export default `
DELETE FROM suppressions WHERE ${needless('suppressions.address')}
  AND EXISTS (SELECT 1 FROM suppressions AS c WHERE c.tenant_id = suppressions.tenant_id AND c.address = ${canonical('suppressions.address')});
UPDATE suppressions SET address = ${canonical('address')} WHERE ${needless('address')};
`;
