// What one template rendering may cost. Handlebars has no limit of its own: three nested
// {{#each}} over 200 items in a 522-byte template wrote 97 MB. A RenderBudget counts, as it
// happens, the characters a rendering handles: every string read from the data, every block
// body's output (once per nesting level) and a fixed cost per block iteration, so that a
// rendering stops early instead of being measured after it has filled the memory. The final
// size of each rendering is checked apart (see render.ts).
import type { HelperDelegate, HelperOptions } from 'handlebars';
import { TxError } from '../../domain/errors.js';

export interface RenderLimits {
  /** Largest rendering (subject, html and text together) for one recipient, in characters. */
  readonly maxOutputChars: number;
  /** Characters handled in all the renderings of one request (see the module comment). */
  readonly maxWorkChars: number;
}

/** Even an empty iteration costs something, or a loop of nothing would be free. */
const ITERATION_COST = 32;

export class RenderBudget {
  private used = 0;
  constructor(readonly limits: RenderLimits) {}

  charge(chars: number): void {
    this.used += chars;
    if (this.used > this.limits.maxWorkChars) throw new BudgetExceeded();
  }
}

/** Thrown from inside Handlebars; render.ts turns it into TX_ERR_TEMPLATE_TOO_LARGE for the part. */
export class BudgetExceeded extends Error {
  constructor() {
    super('the rendering budget is exhausted');
  }
}

export function tooLarge(part: string, why: string): TxError {
  return new TxError('TX_ERR_TEMPLATE_TOO_LARGE', `The ${part} template ${why}; nothing was sent.`, [{ path: part, message: why }]);
}

// Rendering is synchronous, so the budget of the rendering under way can live here while it runs.
let active: RenderBudget | undefined;

export function withBudget<T>(budget: RenderBudget, fn: () => T): T {
  const outer = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = outer;
  }
}

const METERED = Symbol('metered');
type Program = ((ctx: unknown, opts?: unknown) => string) & { [METERED]?: true };

function meter(program: Program | undefined, budget: RenderBudget): Program | undefined {
  if (typeof program !== 'function' || program[METERED]) return program;
  const metered: Program = Object.assign(function (this: unknown, ctx: unknown, opts?: unknown): string {
    budget.charge(ITERATION_COST);
    const out = program.call(this, ctx, opts);
    budget.charge(typeof out === 'string' ? out.length : 0);
    return out;
  }, program);
  metered[METERED] = true;
  return metered;
}

/** A helper whose block bodies (fn and inverse) are charged to the active budget. */
export function meteredHelper(helper: HelperDelegate): HelperDelegate {
  return function (this: unknown, ...args: unknown[]): unknown {
    const last = args[args.length - 1] as Partial<HelperOptions> | undefined;
    const budget = active;
    if (budget && typeof last === 'object' && last !== null && 'hash' in last) {
      args[args.length - 1] = { ...last, fn: meter(last.fn as Program | undefined, budget), inverse: meter(last.inverse as Program | undefined, budget) };
    }
    return (helper as (...a: unknown[]) => unknown).apply(this, args);
  };
}

/**
 * The data as the template sees it: the same values, but every string read is charged to the
 * budget (`{{x}}` written 100,000 times over a 1 MB string is 100 GB of output, with no block).
 * Objects are wrapped once each, so identity (and `equals` on objects) holds.
 */
export function meteredData(data: unknown, budget: RenderBudget): unknown {
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (typeof v === 'string') {
      budget.charge(v.length);
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (!p) {
      p = new Proxy(v, { get: (target, key, receiver) => wrap(Reflect.get(target, key, receiver)) });
      proxies.set(v, p);
    }
    return p;
  };
  return wrap(data);
}
