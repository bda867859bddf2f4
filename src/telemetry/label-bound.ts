import { AGENT_ID_PATTERN } from '../domain/agent-id.js';

/** The label value every value beyond a bound (or failing validation) folds into. */
export const OTHER_LABEL = 'other';

/** Distinct model names a metric keeps as labels by default (Prometheus and OTLP alike). */
export const DEFAULT_MAX_MODEL_LABELS = 200;

/**
 * Caps the distinct values a label may take: the first `max` distinct accepted values keep their own
 * label, later ones fold into `other`. Prometheus keeps a series per label value forever, so an
 * unbounded label (agent ids, model names) is a memory leak driven by clients.
 */
export class LabelBound {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    /** Returns the label for a raw value, or undefined when it may not be a label at all. */
    private readonly sanitise: (raw: string) => string | undefined,
  ) {}

  /** The label to use for `raw`. */
  label(raw: string): string {
    const clean = this.sanitise(raw);
    if (clean === undefined || clean === OTHER_LABEL) return OTHER_LABEL;
    if (this.seen.has(clean)) return clean;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(clean);
    return clean;
  }

  /** Distinct values holding their own label so far. */
  get size(): number {
    return this.seen.size;
  }
}


/** Agent ids as DESIGN §3 allows them; anything else is not a label. */
export function sanitiseAgent(raw: string): string | undefined {
  return AGENT_ID_PATTERN.test(raw) ? raw : undefined;
}

const MODEL_MAX_LENGTH = 100;

/** Model names come from request bodies: keep a safe charset and a bounded length. */
export function sanitiseModel(raw: string): string | undefined {
  const clean = raw.trim().slice(0, MODEL_MAX_LENGTH).replace(/[^A-Za-z0-9._:/@-]/g, '_');
  return clean.length > 0 ? clean : undefined;
}
