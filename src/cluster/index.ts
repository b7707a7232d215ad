// The day-2 library under `status`, `switchover`, `failover` and `rejoin`. Commands import from here.
export { bytesNumber, compareLsn, formatLsn, isLsn, lsnDiff, parseLsn } from './lsn.js';
export { classifyFailure, psqlArgs, type NodeFailure, type NodeFailureKind, type NodeRunner, type SqlResult } from './transport.js';
export {
  NODE_STATE_SQL, parseNodeState, readNodeState, rewindPossible,
  type NodeProbe, type NodeState, type ReplicationRow, type SlotState, type WalReceiverState,
} from './live-state.js';
export { isSyncCandidate, parseSynchronousStandbyNames, type SyncRule } from './sync-standbys.js';
export {
  buildClusterView, readCluster,
  type ClusterView, type ExitCode, type ExpectedNode, type NodeRow, type NodeStatus, type Role, type SlotRow, type ViewOptions, type Warning,
} from './view.js';
export { clusterJson, formatClusterTable, type ClusterJson } from './format.js';
export { controlAllowsRewind, isCleanShutdown, parseControlData, type ClusterState, type ControlData } from './controldata.js';
export {
  historyFileName, parseTimelineHistory, readTimelineHistory, switchpointOf, timelineHistorySql, walFileName, walFilesBetween,
  type TimelineHistoryEntry,
} from './timeline-history.js';
export { decideRejoin, type NewPrimaryFacts, type RejoinAction, type RejoinDecision, type RejoinInput } from './divergence.js';
export {
  DEFAULT_SWITCHOVER_MAX_LAG_BYTES, chooseFailoverCandidate, switchoverPreflight,
  type CheckFailure, type FailoverChoice, type FailoverOptions,
} from './preflight.js';
export { multiHostConninfo, type HostPort, type MultiHostOptions } from './conninfo.js';
export { readCheckpointEnd, walEndFromWaldump } from './waldump.js';
export { CHECKPOINT_SQL, RECEIVED_LSN_SQL, dropInactiveSlotsSql, dropStaleSlotSql, ensureSlotSql, isSlotName, promoteSql } from './actions-sql.js';
export { checkFollow, type FollowCheck, type FollowNode, type FollowTarget } from './follow-check.js';
