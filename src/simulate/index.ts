/** Public surface of the allocation simulator (`token-ninja simulate`). */
export { simulateCommand } from './command.js';
export type { CommandIo } from './command.js';
export { runSimulation } from './run.js';
export { renderReport } from './report-text.js';
export { renderSvg } from './report-svg.js';
export { renderSweep, renderSweepSvg, sweepSummary } from './report-sweep.js';
export { DEFAULT_SWEEP, reshapeScenario, runSweep } from './sweep.js';
export type { SweepCell, SweepGrid, SweepReport } from './sweep.js';
export { DEFAULT_SCENARIO } from './default-scenario.js';
export { leastProductiveAgent, runTricks, TRICKS } from './tricks.js';
export type { TrickName, TrickResult, TricksReport } from './tricks.js';
export { renderTricks } from './report-tricks.js';
export { parseScenario, ScenarioError, scenarioSchema } from './scenario.js';
export type { AgentBehaviour, Scenario, ScenarioAgent, ScenarioInput } from './scenario.js';
export type { AgentResult, ModelResult, PolicyName, PolicyResult, QuartileResult, SimulationReport } from './report-types.js';
export { Prng } from './prng.js';
