// vrouter-io: the vRouter Agent's channels to its forwarding engine.

export { decode, encode, encodeMany, type FieldsInput, type MessageInput } from './codec'
export { AbortError, KsyncError, ProtocolError, TransportError } from './errors'
export * from './generated/vr'
export { FamilyId, frameReplies, frameRequest, parseFrames, type Dialect, type Frame, type ReplyFields, type RequestFields } from './netlink'
export { Simulator, type InjectResult, type ReinjectedFrame, type SimulatorOptions, type SimulatorStats, type TrafficOptions, type TrafficResult } from './sim'
export { exchange, type ExchangeOptions, type TransportErrorCode } from './exchange'
export { defaultKsyncEndpoint, Ksync, type BulkRequest, type BulkResult, type CallOptions, type KsyncOp, type KsyncOptions, type KsyncReply, type RequestOptions } from './ksync'
