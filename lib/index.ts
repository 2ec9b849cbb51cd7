// vrouter-io: the vRouter Agent's channels to its forwarding engine.

export { decode, encode, encodeMany, type FieldsInput, type MessageInput } from './codec'
export { ProtocolError, TransportError } from './errors'
export * from './generated/vr'
export { FamilyId, frameReplies, frameRequest, parseFrames, type Dialect, type Frame, type ReplyFields, type RequestFields } from './netlink'
export { Simulator, type SimulatorOptions } from './sim'
export { exchange, type ExchangeOptions, type TransportErrorCode } from './exchange'
