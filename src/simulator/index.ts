export { startSimulatedProvider } from './server.js';
export type { RecordedRequest, SimulatedProvider, SimulatedProviderOptions } from './server.js';
export {
  codexTmpDir,
  simulatedModelCatalog,
  simulatedProviderEnv,
  writeSimulatedCodexHome,
  writtenModelCatalog,
  SIMULATED_API_KEY_ENV,
  SIMULATED_MODEL,
  SIMULATED_PROVIDER_ID,
} from './codexHome.js';
export type {
  SimulatedApprovalPolicy,
  SimulatedCodexHome,
  SimulatedCodexHomeOptions,
  SimulatedModelCatalog,
  SimulatedSandboxMode,
} from './codexHome.js';
export { parseRateLimitDirective, rateLimitHeaders } from './rateLimits.js';
export type { SimRateLimits, SimRateLimitWindow } from './rateLimits.js';
export { readModelInput } from './modelInput.js';
export type { ModelInputView, ToolOutputView } from './modelInput.js';
export {
  addFilePatch,
  describeScriptLanguage,
  parseDirectives,
  scriptForText,
  selectStep,
  splitIntoChunks,
  validateRules,
  validateSteps,
  CLOSING_MESSAGE_TEXT,
  LAST_TOOL_OUTPUT_PLACEHOLDER,
  SimScriptError,
} from './script.js';
export type {
  HangStep,
  HttpFailStep,
  MessageStep,
  PatchStep,
  ScriptSource,
  SelectedStep,
  ShellStep,
  SimRule,
  SimStep,
  SimStepKind,
  SimUsage,
  StreamFailStep,
  TurnScript,
} from './script.js';
