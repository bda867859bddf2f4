/** One agent's current throttling episode. */
interface Episode {
  since: number;
  last: number;
  raised: boolean;
}

export interface ThrottleWatcherOptions {
  /** An episode longer than this raises (ms). */
  thresholdMs: number;
  /** An agent not throttled for this long is no longer throttled: its next throttle starts a new episode (ms). */
  quietMs: number;
  /** Told once per episode, when it has lasted `thresholdMs`. */
  onLong: (agent: string, since: number, now: number) => void;
}

/** Episodes kept before stale ones are swept (agent ids cost nothing to invent). */
const SWEEP_ABOVE = 10_000;

/**
 * Turns "this agent was throttled now" (a refusal, or a request that had to wait) into throttling episodes:
 * throttles closer together than `quietMs` belong to one episode. No clock of its own: `now` is passed in.
 */
export class ThrottleWatcher {
  readonly #options: ThrottleWatcherOptions;
  readonly #episodes = new Map<string, Episode>();

  constructor(options: ThrottleWatcherOptions) {
    this.#options = options;
  }

  /** The agent was throttled at `now`. Cheap and synchronous: called on the request path. */
  throttled(agent: string, now: number): void {
    const { thresholdMs, quietMs, onLong } = this.#options;
    let episode = this.#episodes.get(agent);
    if (episode === undefined || now - episode.last > quietMs) {
      if (episode === undefined && this.#episodes.size >= SWEEP_ABOVE) this.#sweep(now);
      episode = { since: now, last: now, raised: false };
      this.#episodes.set(agent, episode);
    }
    episode.last = now;
    if (!episode.raised && now - episode.since >= thresholdMs) {
      episode.raised = true;
      onLong(agent, episode.since, now);
    }
  }

  #sweep(now: number): void {
    for (const [agent, e] of this.#episodes) if (now - e.last > this.#options.quietMs) this.#episodes.delete(agent);
  }
}
