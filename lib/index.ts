// vrouter-io: the vRouter Agent's channels to its forwarding engine.

export { decode, encode, encodeMany, type DecodedMessage, type MessageInput } from './codec'
export { ProtocolError } from './errors'
export * from './generated/vr'
