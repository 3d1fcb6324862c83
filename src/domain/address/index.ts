// Address rules for every ingress: RFC 5321 mailboxes, IDN domains as A-labels, SMTPUTF8
// local parts, display names without control characters.
export { type AddressError, isAddressError, parseMailbox, MAX_ADDRESS_OCTETS, MAX_LOCAL_OCTETS } from './mailbox.js';
export { type DomainResult, parseDomain } from './domain.js';
export { checkDisplayName, parseAddress, splitAddressList, MAX_DISPLAY_NAME } from './display.js';
export {
  type AddressFieldResult,
  type AddressListResult,
  countAddresses,
  parseAddressField,
  parseAddressList,
} from './field.js';
export { codePointLength, controlCharProblem, isAscii, utf8Length } from './text.js';
