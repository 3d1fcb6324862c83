// Routing: from a recipient domain to the hosts to try, and which addresses we may reach.
export { checkEgress, type EgressVerdict } from './egress.js';
export { matchDomain, matchOverride, matchRoute, normaliseDomain, patternScore, type DomainPattern } from './match.js';
export {
  orderByPreference,
  planFromMx,
  seededRandom,
  type DeliveryPlan,
  type MxAnswer,
  type MxRecord,
  type NegativeAnswer,
  type PlannedHost,
  type RoutingFailure,
  type RoutingFailureReason,
} from './plan.js';
