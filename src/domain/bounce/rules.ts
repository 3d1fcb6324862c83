// The bounce rule table: ordered, first match wins (STYLE.md rule 4). A TS module rather than
// JSON so the regexes are checked at build time and tsc has nothing to copy.
//
// Hard means the address itself is bad and will stay bad (DESIGN.md "Bounce classes"); a 5xx
// alone never makes a bounce hard. The tiers, and why they come in this order:
//  1. Transaction limits: "too many recipients" must be retried even as a 5xx (RFC 5321 §4.5.3.1.10).
//  2. Provider tags and blocklists (S3150, [BL21], [TSS04], Spamhaus…): the receiver names the
//     exact cause, which beats the enhanced code it came with (Yahoo sends [BL21] with 5.1.3).
//  3. Sender-side and "the mailbox exists" signals: sender rejected, mailbox full, greylisting,
//     rate, expiry, SPF/DKIM/DMARC, PTR, TLS, connection. Their phrasings are specific, and a
//     wrong hard bounce (suppression) costs far more than a wrong soft one (one more attempt).
//  4. Hard phrasings: "user unknown", "no such domain", "mailbox disabled". They beat a generic
//     enhanced code: "550 5.7.1 … user unknown" is hard.
//  5. Message blame (spam, virus, size, relay, loops). These come after tier 4 because their words
//     also occur in host names (spam.filter.example), and they beat the address codes of tier 6:
//     "550 5.1.1 … spam" is soft. Filters that reuse 5.1.1 for content rejections exist, and
//     suppressing a real address silently loses its password resets; a text that also says
//     "user unknown" was already caught by tier 4.
//  6. Unambiguous enhanced codes (RFC 3463, RFC 7505, the IANA enhanced-status registry).
//  7. Generic policy and reputation words: only now, so they cannot override tier 6.
//  8. Fallbacks by enhanced class and reply code; nothing here is hard.
// Rules see the text with addresses replaced by `<addr>` and whitespace collapsed (classify.ts).
import type { BounceReason, Classification } from './classify.js';
import { MAILBOX_UNAVAILABLE, USER_UNKNOWN } from './phrases.js';

export interface BounceRule {
  /** Stable name, shown in tests and logs. */
  readonly id: string;
  /** Tested against the enhanced status code, or '' when the reply had none. */
  readonly enhanced?: RegExp;
  /** Inclusive range of the three-digit reply code. */
  readonly code?: readonly [min: number, max: number];
  readonly text?: RegExp;
  /** Tested against the SMTP command the reply answered; the rule never matches when it is unknown. */
  readonly command?: RegExp;
  /** Whose phrasing this is. Documentation only: a reply does not say which host sent it. */
  readonly provider?: string;
  readonly result: Classification;
}

// Frozen because classifyReply hands these very objects to callers.
const freeze = (c: Classification): Classification => Object.freeze(c);
const hard = (reason: BounceReason) => freeze({ class: 'hard', reason });
const soft = (reason: BounceReason) => freeze({ class: 'soft', reason });
const retry = (reason: BounceReason) => freeze({ class: 'soft', reason, retryable: true });

/** Codes that say "something failed" without saying what: the text decides for these. */
const GENERIC_OR_ADDRESS = /^(|5\.0\.0|5\.5\.0|5\.1\.\d{1,3})$/;

const RULES: BounceRule[] = [
  // 1. Transaction limits.
  { id: 'too-many-recipients', enhanced: /^[45]\.5\.3$/, result: retry('rate_limited') },
  { id: 'too-many-recipients-text', text: /\btoo many recipients\b/i, result: retry('rate_limited') },

  // A refusal of MAIL FROM is about the sender, whatever its words: no recipient was named yet.
  { id: 'refused-at-mail', command: /^MAIL$/, code: [500, 599], result: soft('sender_rejected') },

  // 2. Provider tags and blocklists.
  {
    id: 'microsoft-blocklist',
    provider: 'microsoft',
    text: /\bS31[45]0\b|part of their network is on our block list|\b(SC|DY)-00[1-4]\b/i,
    result: soft('reputation_blocked'),
  },
  {
    id: 'microsoft-banned',
    provider: 'microsoft',
    text: /\bbanned send(ing IP|er)\b|traffic not accepted from this IP/i,
    result: soft('reputation_blocked'),
  },
  // Directory-Based Edge Blocking: the tenant has no such recipient.
  {
    id: 'microsoft-dbeb',
    provider: 'microsoft',
    enhanced: /^5\.4\.1$/,
    text: /recipient address rejected: access denied|\bAS\(201806281\)/i,
    result: hard('user_unknown'),
  },
  { id: 'microsoft-no-mailbox', provider: 'microsoft', text: /\(S2017062302\)/, result: hard('user_unknown') },
  { id: 'microsoft-busy', provider: 'microsoft', text: /\(S77714\)|\bserver busy\b/i, result: soft('rate_limited') },
  { id: 'yahoo-blocklist', provider: 'yahoo', text: /\[BL2\d\]|\[TS03\]/, result: soft('reputation_blocked') },
  { id: 'yahoo-deferral', provider: 'yahoo', text: /\[TSS?0\d\]/, result: soft('rate_limited') },
  { id: 'yahoo-policy', provider: 'yahoo', text: /not accepted for policy reasons/i, result: soft('policy_blocked') },
  {
    id: 'gmail-ip-reputation',
    provider: 'google',
    code: [500, 599],
    text: /unusual rate of unsolicited mail/i,
    result: soft('reputation_blocked'),
  },
  // au (KDDI) answers its domain filter's refusals with an address-less "550 : User unknown"
  // after DATA; the mailbox exists (Sisimai: filtered).
  { id: 'kddi-domain-filter', provider: 'kddi', command: /^(DATA|)$/, code: [500, 599], text: /(?:^|\s)(?:550 )?: User unknown\b/i, result: soft('filtered') },
  { id: 'cisco-address-rejected', provider: 'cisco', enhanced: /^5\.1\.0$/, text: /^address rejected\b/i, result: hard('user_unknown') },
  {
    id: 'dnsbl',
    text: /spamhaus|spamcop|barracuda ?(central|reputation)|sorbs\.net|uceprotect|\bdnsbls?\b|\brbl\b|blocked using|black ?list(ed)?|block ?listed|on (our|a|an) block ?list|ipcheck\.proofpoint|dnsbl-lookup/i,
    result: soft('reputation_blocked'),
  },

  // 3. Sender-side and "the mailbox exists" signals.
  { id: 'sender-code', enhanced: /^[45]\.1\.[78]$/, result: soft('sender_rejected') },
  {
    id: 'sender-text',
    text: /\bsender address rejected\b|\bsender (domain|address)\b[^.;]{0,30}\b(rejected|invalid|not (found|verified|allowed)|does not (exist|resolve))|\bdomain of sender address\b|\bsender verif(y|ication) failed\b|\b(bad|unverified) sender\b|\benvelope sender\b/i,
    result: soft('sender_rejected'),
  },
  { id: 'mailbox-full-code', enhanced: /^[45]\.2\.2$/, result: soft('mailbox_full') },
  {
    id: 'mailbox-full-text',
    text: /\bmail ?box (is )?full\b|\bover ?quota\b|\bquota (exceeded|full)\b|\bexceeded (its |the |their )?(storage|disk|mailbox)? ?quota\b|\bmail ?box size limit\b|\b(mail ?box|inbox) (has )?exceeded\b|\bQuotaExceeded|\b(user )?mail ?box exceeds\b|\binsufficient (disk|storage) space\b/i,
    result: soft('mailbox_full'),
  },
  { id: 'greylisted', text: /\bgr[ae]y-?list/i, result: soft('greylisted') },
  { id: 'rate-code', enhanced: /^[45]\.7\.28$/, result: soft('rate_limited') },
  {
    id: 'rate-text',
    text: /\brate[- ]?limit|\btoo many (messages|connections|concurrent|mails|e-?mails|sessions|deliveries)\b|receiving mail (too quickly|at a rate)|\bunexpected volume\b|\bthrottl|\bslow down\b|\btoo fast\b|\bunusual rate\b|\btoo much mail\b|\bsending limit\b/i,
    result: soft('rate_limited'),
  },
  { id: 'try-again-later', code: [400, 499], text: /\btry again later\b/i, result: soft('rate_limited') },
  { id: 'expired-code', enhanced: /^[45]\.4\.7$/, result: soft('expired') },
  {
    id: 'expired-text',
    text: /\bqueue too long\b|\bretry time(out)? (exceeded|not reached for any host)|\bdelivery time expired\b|\bmessage (has )?expired\b|\btoo long in (the )?queue\b/i,
    result: soft('expired'),
  },
  // Before auth-text: "unauthenticated senders not allowed" is about SMTP AUTH, not SPF/DKIM.
  {
    id: 'security-text',
    text: /\bauthentication (is )?required\b|\bunauthenticated senders? (are )?not (allowed|permitted)\b|\bmust (be )?authenticated?\b|\bplease use the smtp server of your isp\b/i,
    result: soft('security_error'),
  },
  { id: 'auth-code', enhanced: /^[45]\.7\.(20|21|22|23|24|26|27|29)$/, result: soft('auth_failure') },
  {
    id: 'auth-text',
    text: /\bdmarc\b|\bspf\b|openspf|\bdkim\b|sender policy framework|\bunauthenticated (e-?mail|mail|message|sender)|\bfails? to pass authentication|\bauthentication (information|checks? fail|failure)/i,
    result: soft('auth_failure'),
  },
  { id: 'ptr-code', enhanced: /^[45]\.7\.25$/, result: soft('ptr_missing') },
  {
    id: 'ptr-text',
    text: /\bptr\b|\breverse (dns|lookup|hostname|mapping)|\brdns\b|cannot find your (reverse )?hostname|\bip name lookup failed\b|can ?not resolve (your|the) (ip|hostname|address)/i,
    result: soft('ptr_missing'),
  },
  {
    id: 'helo-rejected',
    text: /\b(helo|ehlo) command rejected|\binvalid (helo|ehlo)\b|\bclient host rejected\b/i,
    result: soft('policy_blocked'),
  },
  { id: 'tls-code', enhanced: /^[45]\.7\.(10|11|30)$/, result: soft('tls_required') },
  {
    id: 'tls-text',
    text: /\bstarttls\b|\btls (is )?required\b|\bencryption (is )?required\b|requires? (a )?(secure|encrypted|tls) connection/i,
    result: soft('tls_required'),
  },
  // "Directory server failure": Postfix's "Host not found, try again" must not read as host_unknown.
  { id: 'x.4.3-dns', enhanced: /^[45]\.4\.3$/, result: soft('dns_failure') },
  // TCP-level failures as MTAs word them in DSNs; under a 5.7.x code "connection refused" is a block.
  { id: 'timeout-text', enhanced: /^(|[45]\.4\.\d{1,3})$/, text: /\btimed out\b|\btimeout\b/i, result: soft('timeout') },
  {
    id: 'connection-text',
    enhanced: /^(|[45]\.4\.\d{1,3})$/,
    text: /\bconnection (refused|reset)\b|\blost connection\b|\bnetwork is unreachable\b|\bno route to host\b/i,
    result: soft('connection_failed'),
  },

  {
    id: 'dns-server-failure',
    text: /\bmalformed or unexpected name server reply\b|\bhost not found, try again\b|\bSERVFAIL\b|\bname server (failure|timeout)\b|\btemporary (dns|lookup) failure\b/i,
    result: soft('dns_failure'),
  },
  {
    id: 'suppressed-text',
    text: /\bsuppression list\b|\bon (the|our|an) (account[- ]level )?suppression\b|\bpreviously (hard )?bounced\b/i,
    result: soft('suppressed'),
  },
  {
    id: 'filtered-text',
    text: /\bmessage filtered\b|\brejected due to user rules\b|\brefuses? to (receive|accept) (this )?mail\b|\buser reject|\bblocked by the recipient\b|\bonly accepting mail from specific\b|\brecipient preferences\b|\bdomain filter\b|\bis not accepting any mail\b|\baccount is protected by\b|\bCannot route mail to user\b/i,
    result: soft('filtered'),
  },

  // 4. Hard phrasings: the receiver says the address or its domain does not exist.
  {
    id: 'host-unknown-text',
    text: /\b(host|domain)( or domain)?( name)? not found\b|\bno such domain\b|\bunknown domain\b|\bdomain\b[^.;]{0,40}\b(does not|doesn't|doesnt|did not) exist\b|\ball host address lookups failed permanently\b|\bunknown host\b|\bhost unknown\b|\bname or service not known\b|\bmail domain mentioned in email address is unknown\b|\b(recipient )?domain must exist\b|\bthe account or domain may not exist\b|\bunroutable address\b|\ban MX or SRV record indicated no SMTP service\b|\bunrouteable (mail )?(domain|address)\b|\bnxdomain\b|\b(unable|weren't able) to find the recipient domain\b|\bnull ?mx\b|all relevant mx records point to non-existent hosts|\bbad destination system address\b|\bcouldn't find any host (named|by that name)\b/i,
    result: hard('host_unknown'),
  },
  {
    id: 'has-moved-text',
    text: /\b(mail ?box|account|user|address)( <addr>| \S+)? has moved\b|\bhas been replaced by\b|\bno longer (accepts|accepting) mail\b|\bmoved,? no forwarding address\b/i,
    result: hard('has_moved'),
  },
  {
    id: 'no-mx-text',
    text: /\bnull ?mx\b|\bno mx (record|host)s?\b|\bmx (host|record)s? (not found|does not exist)\b|\bno mail exchangers?\b|\bnot accepting network messages\b|\b(host|domain|host\/domain) does not accept (e-?)?mail\b|\bmail receiving disabled\b|\bno mx record found for domain\b/i,
    result: hard('not_accepting'),
  },
  // Where the refusal came decides what "user unknown" means (Sisimai's reading): at RCPT it is
  // about the address; after DATA, or in a report that does not say and without an address status
  // code, it is a filter wearing the address's words (Japanese carriers' domain filters).
  // Exchange's own directory (no SMTP command involved) does not know the recipient.
  { id: 'exchange-not-recognized', provider: 'microsoft', text: /\bThe recipient name is not recognized\b/i, result: hard('user_unknown') },
  // Directory lookups of mailbox stores that speak for themselves, no SMTP command involved:
  // Lotus Notes / Domino, IMail, Verizon's gateways.
  {
    id: 'directory-not-listed',
    text: /\bnot listed in (the )?(public Name & Address Book|Domino Directory)\b|\bInvalid final delivery userid\b|\bno such user here\b|^Unknown user:\s*(<addr>)?$/i,
    result: hard('user_unknown'),
  },
  { id: 'user-unknown-at-rcpt', command: /^RCPT$/, text: USER_UNKNOWN, result: hard('user_unknown') },
  // Postfix's access maps say this for unknown recipients too; only at RCPT is it about the address.
  { id: 'access-denied-at-rcpt', command: /^RCPT$/, text: /\brecipient address rejected: access denied\b/i, result: hard('user_unknown') },
  { id: 'user-unknown-after-data', command: /^(DATA|)$/, enhanced: /^(?![45]\.1\.)/, text: USER_UNKNOWN, result: soft('filtered') },
  { id: 'unavailable-after-data', command: /^(DATA|)$/, code: [550, 553], enhanced: /^(|5\.0\.0|5\.5\.0)$/, text: MAILBOX_UNAVAILABLE, result: soft('filtered') },
  {
    id: 'mailbox-disabled-text',
    text: /\b(mail ?box|account|user|recipient)( <addr>| \S+)? (is |has been |was )?(disabled|deactivated|inactive|closed|discontinued|terminated|deleted|suspended|frozen|locked|no longer (active|available|valid|in use))\b|\bdisabled recipient\b|\baccount (is )?(disabled|suspended)\b/i,
    // DESIGN "Bounce classes": a disabled or suspended mailbox may come back, so it is soft.
    result: soft('mailbox_disabled'),
  },
  { id: 'user-unknown-text', text: USER_UNKNOWN, result: hard('user_unknown') },
  // RFC 5321's stock 550 text. Microsoft and GMX send it for unknown users; under a 5.7.x code it
  // is a policy refusal, so it only counts with a generic or address code.
  {
    id: 'mailbox-unavailable',
    code: [550, 553],
    enhanced: GENERIC_OR_ADDRESS,
    text: MAILBOX_UNAVAILABLE,
    result: hard('user_unknown'),
  },

  // 5. Message blame.
  {
    id: 'spam-text',
    text: /\bspam\b|\bunsolicited\b|\bbulk (mail|e-?mail)\b|\bjunk (mail|e-?mail)\b|spamassassin|\bspam ?score\b|\bU[BC]E\b|\bsurbl\b|\buribl\b|DT:SPM|\b(likely|is) suspicious\b|\bsuspicious due to\b/i,
    result: soft('spam_detected'),
  },
  {
    id: 'content-text',
    text: /\bvirus\b|\bmalware\b|\binfected\b|\bphishing\b|\bmalicious\b|\bprohibited attachment\b|\battachment\b[^.;]{0,40}\b(not allowed|blocked|prohibited|rejected)|\bpotential security issue\b|\bcontent (filter|rejected|restrictions)\b|\bmessage content (rejected|blocked)\b|\bbare ?linefeeds?\b/i,
    result: soft('content_rejected'),
  },
  {
    id: 'size-text',
    text: /\bmessage (size|length) (exceeds|limit|too)|\b(message|mail|e-?mail) (is )?too (big|large)\b|\bexceeds? (the )?(maximum |fixed )?(message )?size\b|\bsize limits?\b|\bmaximum (message )?size\b|\bsize exceeds\b/i,
    result: soft('message_too_large'),
  },
  {
    id: 'relay-text',
    text: /\brelay(ing)? (access )?(denied|not (permitted|allowed|authorized))|\bnot permitted to relay\b|\bunable to relay\b|\bwe do not relay\b|\bno relaying\b|\bopen relay\b|list of allowed rcpthosts|\ballowed to be relayed\b/i,
    result: soft('relay_denied'),
  },
  { id: 'loop-text', text: /\bhop count exceeded\b|\bmail loop\b|\brouting loop\b|\bloops back to myself\b/i, result: soft('routing_error') },

  // 6. Unambiguous enhanced codes.
  { id: 'x.1.1-bad-mailbox', enhanced: /^[45]\.1\.1$/, result: hard('user_unknown') },
  { id: 'x.1.2-bad-system', enhanced: /^[45]\.1\.2$/, result: hard('host_unknown') },
  { id: 'x.1.3-bad-syntax', enhanced: /^[45]\.1\.3$/, result: hard('user_unknown') },
  { id: 'x.1.6-moved', enhanced: /^[45]\.1\.6$/, result: hard('has_moved') },
  // RFC 7505 §4.2: "Recipient address has null MX". Microsoft's RecipientNotFound was caught above.
  { id: 'x.1.10-null-mx', enhanced: /^[45]\.1\.10$/, result: hard('not_accepting') },
  // RFC 3463: "may be a permanent error if the mailbox will never be re-enabled": we cannot know.
  { id: 'x.2.1-disabled', enhanced: /^[45]\.2\.1$/, result: soft('mailbox_disabled') },
  { id: 'x.7.13-disabled', enhanced: /^[45]\.7\.13$/, result: soft('mailbox_disabled') },
  // RFC 3463 X.2.0 "the mailbox exists, but something about it": carriers' per-mailbox filters.
  { id: 'x.2.0-filtered', enhanced: /^[45]\.2\.[04]$/, result: soft('filtered') },
  // RFC 7504 §3 / RFC 3463 X.3.2: the host does not accept mail at all.
  { id: 'x.3.2-not-accepting', code: [500, 599], enhanced: /^5\.3\.2$/, result: hard('not_accepting') },
  { id: 'code-521-556-not-accepting', code: [521, 521], enhanced: /^$/, result: hard('not_accepting') },
  { id: 'code-556-not-accepting', code: [556, 556], enhanced: /^$/, result: hard('not_accepting') },
  // X.4.4 "unable to route": the domain has no usable MX or address (Postfix, Sendmail).
  { id: 'x.4.4-no-route', code: [500, 599], enhanced: /^5\.4\.4$/, result: hard('host_unknown') },
  { id: 'x.3.1-system-full', enhanced: /^[45]\.3\.1$/, result: soft('system_full') },
  { id: 'x.3.x-system', enhanced: /^[45]\.3\.[035]$/, result: soft('system_error') },
  { id: 'x.2.3-x.3.4-too-large', enhanced: /^[45]\.(2\.3|3\.4)$/, result: soft('message_too_large') },
  { id: 'x.4.1-x.4.2-connection', enhanced: /^[45]\.4\.[12]$/, result: soft('connection_failed') },
  { id: 'x.4.5-congestion', enhanced: /^[45]\.4\.5$/, result: soft('rate_limited') },
  // RFC 7293 §4.1: the address was reassigned since the date the sender knew it.
  { id: 'x.7.17-owner-changed', enhanced: /^[45]\.7\.1[78]$/, result: hard('has_moved') },

  // 7. Generic reputation and policy words.
  {
    id: 'reputation-text',
    text: /\breputation\b|\b(ip|ip address|host|server|network)\b(?:[^.;]|\.\S){0,60}\b(blocked|blacklisted|banned|block ?listed)\b|\bblocked\b[^.;]{0,30}\b(ip|network)\b|\bfrom (this|your) (ip|network)\b|\bsender ?score\b/i,
    result: soft('reputation_blocked'),
  },
  {
    id: 'policy-text',
    text: /\bpolic(y|ies)\b|\badministrative prohibition\b|\baccess denied\b|\bprohibited\b|\bnot (allowed|authori[sz]ed|permitted)\b|\bblocked\b|\bdenied\b|\brefused\b|\bforbidden\b/i,
    result: soft('policy_blocked'),
  },

  // 8. Fallbacks: by enhanced-code class (RFC 3463 §3), then by reply code.
  { id: 'x.4.x-routing', enhanced: /^[45]\.4\.\d{1,3}$/, result: soft('routing_error') },
  { id: 'x.5.x-protocol', enhanced: /^[45]\.5\.\d{1,3}$/, result: soft('protocol_error') },
  { id: 'x.6.x-content', enhanced: /^[45]\.6\.\d{1,3}$/, result: soft('content_rejected') },
  { id: 'x.7.x-policy', enhanced: /^[45]\.7\.\d{1,3}$/, result: soft('policy_blocked') },
  // RFC 5321 §4.5.3.1.10: a server that refuses a message for its size should answer 552.
  { id: 'code-552-size', code: [552, 552], enhanced: /^(|5\.0\.0|5\.3\.0)$/, result: soft('message_too_large') },
  { id: 'fallback', result: soft('unknown') },
];

export const BOUNCE_RULES: readonly BounceRule[] = Object.freeze(RULES);
