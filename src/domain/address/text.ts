// Character checks shared by every field that can end up in a header or an SMTP command.
// They reject rather than strip: a CR or LF in caller input is an injection attempt or a bug,
// and silently "fixing" it would hide both (DESIGN.md invariant 4).

// C0, DEL and C1: U+0085 (NEL) is a line break to some software, so C1 goes too.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_BUT_TAB = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/** Why `s` is unsafe to place in a header, or undefined. HTAB is allowed only if `allowTab`. */
export function controlCharProblem(s: string, allowTab = false): string | undefined {
  // One regex pass is far cheaper than a per-character loop on large values.
  const m = (allowTab ? CONTROL_BUT_TAB : CONTROL).exec(s);
  if (!m) return undefined;
  const c = m[0];
  if (c === '\r' || c === '\n') return 'contains a line break';
  if (c === '\u0000') return 'contains a NUL character';
  return `contains a control character (U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()})`;
}

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Length in Unicode code points, so an emoji counts as one character, not two UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function isAscii(s: string): boolean {
  return /^[\u0000-\u007f]*$/.test(s);
}
