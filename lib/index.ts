// vrouter-io: the vRouter Agent's channels to its forwarding engine.

export { decode, encode, encodeMany, type FieldsInput, type MessageInput } from './codec'
export { AbortError, KsyncError, ProtocolError, TransportError } from './errors'
export * from './generated/vr'
export { FamilyId, frameReplies, frameRequest, parseFrames, type Dialect, type Frame, type ReplyFields, type RequestFields } from './netlink'
export { Simulator, type InjectResult, type KsyncMeasurement, type Pkt0SocketMeasurement, type ReinjectedFrame, type SimulatorOptions, type SimulatorStats, type TrafficOptions, type TrafficResult, type TrapMeasurement } from './sim'
export { exchange, type ExchangeOptions, type TransportErrorCode } from './exchange'
export { defaultKsyncEndpoint, Ksync, type BulkRequest, type BulkResult, type CallOptions, type KsyncOp, type KsyncOptions, type KsyncReply, type RequestOptions } from './ksync'
export { AGENT_HDR_LEN, defaultPkt0Endpoint, OUTER_ETH_LEN, Pkt0, Pkt0Batch, PKT0_HEADERS_LEN, routeHeader, switchHeader, type AgentHeader, type AgentHeaderInput, type DropPolicy, type Pkt0Capture, type Pkt0Options, type Pkt0Packet, type Pkt0Stats } from './pkt0'
export { BridgeTable, FlowTable, ScanBuffer, TableError, type BridgeEntry, type FlowColumns, type FlowEntry, type FlowFilter, type FlowKey, type FlowKeyInput, type FlowTableOptions, type FlowTableStats, type TableSource } from './tables'
