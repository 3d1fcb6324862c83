// Phrases several rules share (rules.ts): kept apart so the table stays readable.

// The receiver's ways of saying "no such mailbox". Where the reply
// came (RCPT or after DATA) decides whether it is about the address or a filter wearing its words.
export const USER_UNKNOWN =
  /\buser unknown\b|\bunknown (user|recipient|mail ?box|address|local[- ]part|alias)\b|\bno such (user|mail ?box|recipient|address|account|person|local user)\b|\b(user|mail ?box|recipient|(?<!ip )address|account|addressee)\b[^.;]{0,40}\b(does not|doesn't|did not) exist\b|\b(user|recipient|mail ?box|addressee) (not found|unknown|invalid)\b|\binvalid (recipient|mail ?box|user|addressee)\b|\b(?<!ip )address (not found|unknown|invalid)\b|\bnot (a )?(valid|known) (user|mail ?box|recipient)\b|RecipientNotFound|\bno mailbox here by that name\b|\bdoesn't have an? \S+ account\b|\bnot our customer\b|\bundeliverable address\b|\bnon-?existent (user|mail ?box|recipient|address)\b|\bbad destination mailbox address\b|\buser not found\b|\bno (such )?(account|mailbox) (by that name|found)\b|\bnot a valid (user|recipient|mail ?box)\b|\brecipient address rejected(?:\s*\.|:\s*(invalid[- ]?(user|recipient)|unknown ?user))|\bno one at this address\b|\b(user|recipient|account) not (exist|known|active)\b/i;

// RFC 5321's stock 550 text; Microsoft and GMX send it for unknown users.
export const MAILBOX_UNAVAILABLE = /\bmail ?box (is )?(unavailable|not available)\b|\binvalid (e-?mail )?address\b/i;
