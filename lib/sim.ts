// The forwarding-engine simulator, embedded: native threads serve its endpoints, so it never
// competes with the caller's event loop.

import type { NativeSimulator } from '../index'
import type { Dialect } from './netlink'
import native from './native'

/** How to start a {@link Simulator}. */
export interface SimulatorOptions {
  /** Folder for the endpoints (`dpdk_netlink`, …). Default: a fresh private temporary folder, removed on close. */
  dir?: string
  /** How replies are framed: as DPDK vRouter (default), the Linux kernel module, or the Windows driver. */
  dialect?: Dialect
  /** Also serve ksync on TCP 127.0.0.1 at this port (0: any free port). */
  tcpPort?: number
}

/** A simulated vRouter forwarding engine serving ksync, with vRouter's state and semantics. */
export class Simulator implements AsyncDisposable {
  /** The ksync endpoint, `unix:<dir>/dpdk_netlink`. */
  readonly ksync: string
  /** The TCP ksync endpoint, `tcp:127.0.0.1:<port>`, when `tcpPort` was given. */
  readonly ksyncTcp?: string
  /** The folder holding the endpoints. */
  readonly dir: string
  #native: NativeSimulator | undefined

  private constructor(n: NativeSimulator) {
    this.#native = n
    this.ksync = n.ksync
    this.ksyncTcp = n.ksyncTcp ?? undefined
    this.dir = n.dir
  }

  /** Starts a simulator; resolves once its endpoints accept connections. */
  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    return new Simulator(native.NativeSimulator.start({ dir: options.dir, dialect: options.dialect, tcpPort: options.tcpPort }))
  }

  /** Stops serving and closes every connection; idempotent. */
  async close(): Promise<void> {
    this.#native?.close()
    this.#native = undefined
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
