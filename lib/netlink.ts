// Netlink frame helpers: a Sandesh payload wrapped as vRouter's peers wrap it, and received
// frames taken apart. The framing itself is native (crates/vrouter-proto/src/netlink).

import { ProtocolError } from './errors'
import native from './native'

/** How a forwarding engine frames replies: Linux kernel module, DPDK process, Windows driver. */
export type Dialect = 'kernel' | 'dpdk' | 'windows'

/** Conventional generic-netlink family ids (the kernel's is looked up at run time). */
export const FamilyId = {
  /** What the agent sends to DPDK vRouter (and TCP). */
  DPDK_AGENT: 24,
  /** What vRouter's utilities send (GENL_ID_VROUTER). */
  DPDK_UTILS: 0x20,
  /** The Windows driver's fake family. */
  WINDOWS: 1,
} as const

/** Header fields of a request frame. */
export interface RequestFields {
  /** `nlmsg_type`: the family id (see {@link FamilyId}). */
  familyId: number
  seq: number
  /** `nlmsg_pid`: the agent sends its process id, vRouter's utilities 0 (the default). */
  pid?: number
}

/** Header fields of the replies to one request. */
export interface ReplyFields {
  dialect: Dialect
  /** The request's `nlmsg_type`, echoed. */
  familyId: number
  seq: number
  /** The request's `nlmsg_pid` (echoed by the kernel dialect). */
  pid?: number
}

/** One netlink frame taken apart. */
export interface Frame {
  /** `sandesh` (a ksync message), `done` (NLMSG_DONE) or `error` (NLMSG_ERROR from the kernel netlink layer). */
  kind: 'sandesh' | 'done' | 'error'
  length: number
  type: number
  flags: number
  seq: number
  pid: number
  /** NLM_F_MULTI: more messages of the same reply follow. */
  multi: boolean
  /** The Sandesh payload, pad bytes dropped (`sandesh` frames). */
  payload?: Buffer
  /** `error` frames: the errno (0 for an acknowledgement). */
  errno?: number
}

function framing<T>(what: string, f: () => T): T {
  try {
    return f()
  } catch (e) {
    throw new ProtocolError(`${what}: ${(e as Error).message}`, { code: 'ERR_NETLINK_FRAME', offset: 0 })
  }
}

/** Wraps a Sandesh payload (see `encode`) as one ksync request frame: exact lengths, no padding. */
export function frameRequest(payload: Uint8Array, fields: RequestFields): Buffer {
  return framing('frameRequest', () => native.frameRequest(payload, fields))
}

/** Frames the replies to one request, one message per payload, as the given dialect does. */
export function frameReplies(payloads: readonly Uint8Array[], fields: ReplyFields): Buffer {
  return framing('frameReplies', () => native.frameReplies([...payloads], fields))
}

/**
 * Takes apart back-to-back frames: as replies (the agent's rules: the reply `nla_len` quirk and
 * pad bytes accepted, 4096-byte limit) or as requests (vRouter's rules).
 */
export function parseFrames(bytes: Uint8Array, role: 'reply' | 'request' = 'reply'): Frame[] {
  return framing('parseFrames', () => native.parseFrames(bytes, role) as Frame[])
}
