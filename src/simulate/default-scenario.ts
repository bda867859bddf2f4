import type { ScenarioInput } from './scenario.js';

/**
 * The built-in fleet: eleven agents whose hidden productivity spans ~30×, daily and weekly cycles, bursts,
 * deadlines, two dependency chains (planner → coder-a → reviewer) and an agent joining on day three —
 * under a pool that covers about three quarters of their peak demand. Some agents report as agents do in
 * practice: late, noisily, or not at all for part of their tasks, and one's quality drifts over the day.
 */
export const DEFAULT_SCENARIO: ScenarioInput = {
  name: 'default',
  days: 7,
  // The proxy's defaults: a 30 s tick, and only high and critical agents draw on the burst buffer.
  tickSeconds: 30,
  tokensPerMinute: 600_000,
  historyDays: 2,
  burstMinClass: 'high',
  chartPointsPerHour: 1,
  agents: [
    { id: 'triage', class: 'critical', tokensPerTask: 8000, quality: 0.9, demandTokensPerMinute: 40_000, dailyAmplitude: 0.6, peakHour: 10, weekendFactor: 0.5, deadlineMinutes: 15, maxWaitMinutes: 30, burst: { probabilityPerHour: 0.1, multiplier: 3, minutes: 20 } },
    { id: 'planner', class: 'high', tokensPerTask: 25_000, quality: 0.95, demandTokensPerMinute: 40_000, dailyAmplitude: 0.6, peakHour: 10, weekendFactor: 0.2, feeds: 'coder-a' },
    { id: 'coder-a', class: 'normal', tokensPerTask: 40_000, quality: 0.85, demandTokensPerMinute: 80_000, dailyAmplitude: 0.7, peakHour: 14, weekendFactor: 0.2, feeds: 'reviewer' },
    { id: 'reviewer', class: 'high', tokensPerTask: 15_000, quality: 0.9, demandTokensPerMinute: 0, deadlineMinutes: 60, maxWaitMinutes: 120 },
    { id: 'coder-b', class: 'normal', tokensPerTask: 60_000, quality: 0.6, demandTokensPerMinute: 90_000, dailyAmplitude: 0.7, peakHour: 15, weekendFactor: 0.3, reportMissingShare: 0.3 },
    { id: 'support-bot', class: 'high', tokensPerTask: 10_000, quality: 0.8, demandTokensPerMinute: 150_000, dailyAmplitude: 0.8, peakHour: 11, weekendFactor: 0.6, deadlineMinutes: 30, burst: { probabilityPerHour: 0.15, multiplier: 2.5, minutes: 30 }, reportLateMinutes: 10 },
    { id: 'summariser', class: 'normal', tokensPerTask: 20_000, quality: 0.75, demandTokensPerMinute: 100_000, dailyAmplitude: 0.9, peakHour: 2, weekendFactor: 1, qualityDailyAmplitude: 0.3, qualityPeakHour: 14 },
    { id: 'researcher', class: 'low', tokensPerTask: 60_000, quality: 0.8, demandTokensPerMinute: 160_000, dailyAmplitude: 0.3, peakHour: 16, weekendFactor: 0.8, maxWaitMinutes: 180, reportLateMinutes: 30, reportNoise: 0.15 },
    { id: 'data-cleaner', class: 'low', tokensPerTask: 25_000, quality: 0.8, demandTokensPerMinute: 90_000, dailyAmplitude: 0.5, peakHour: 3, weekendFactor: 1, burst: { probabilityPerHour: 0.05, multiplier: 3, minutes: 60 } },
    { id: 'legacy-agent', class: 'normal', tokensPerTask: 80_000, quality: 0.3, demandTokensPerMinute: 50_000, dailyAmplitude: 0.4, peakHour: 13, weekendFactor: 0.5, reportNoise: 0.2, reportMissingShare: 0.2 },
    { id: 'newcomer', class: 'normal', tokensPerTask: 15_000, quality: 0.9, demandTokensPerMinute: 70_000, dailyAmplitude: 0.6, peakHour: 14, weekendFactor: 0.3, joinsAtHour: 60 },
  ],
};
