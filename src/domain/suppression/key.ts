// The one form in which the suppression list stores and compares an address: the canonical
// spelling of domain/address (needless quotes gone, domain lower-cased in A-labels) and then
// lower case throughout, local part included, as SendGrid and SES compare. Both stores key
// every suppression read and write with it, so no way in can bypass the list by spelling,
// not even a delivery accepted before the canonical spelling existed.
import { isAddressError, parseMailbox } from '../address/index.js';

export function suppressionKey(address: string): string {
  const a = parseMailbox(address);
  // An address that no longer parses (accepted under older rules) is still keyed, as it is.
  return (isAddressError(a) ? address : a.address).toLowerCase();
}
