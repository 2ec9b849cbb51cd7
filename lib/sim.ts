// The forwarding-engine simulator, embedded: native threads serve its endpoints, so it never
// competes with the caller's event loop.

import type { NativeSimulator } from '../index'
import type { Dialect } from './netlink'
import native from './native'

/** How to start a {@link Simulator}. */
export interface SimulatorOptions {
  /** Folder for the endpoints (`dpdk_netlink`, `dpdk_pkt0`, the table files). Default: a fresh private temporary folder, removed on close. */
  dir?: string
  /** How replies are framed: as DPDK vRouter (default), the Linux kernel module, or the Windows driver. */
  dialect?: Dialect
  /** Also serve ksync on TCP 127.0.0.1 at this port (0: any free port). */
  tcpPort?: number
  /**
   * The host's interface indexes, which vifs attach to (`vifr_os_idx`; others get −ENODEV): a list such as
   * `'0,10,100-131'`, or its parts as an array (`[0, 10, '100-131']`). Default: any index.
   */
  hostIfs?: string | ReadonlyArray<number | string>
  /** Main flow-table entries (default 524288); the overflow table is sized by vRouter's rule (a fifth, rounded up to 1024). */
  flowEntries?: number
  /** Main bridge-table entries (default 262144). */
  bridgeEntries?: number
  /** Flow-entry layout: 2024 (tf-vrouter, default) or 2019 (Juniper's, the Windows era). */
  layout?: '2024' | '2019' | 2024 | 2019
  /**
   * Flows waiting in HOLD beyond which new flows are dropped (`flow_unusable`) until the agent resolves some:
   * vRouter's `vo_flow_hold_limit`, default 8192. 0 removes the limit (for traffic without an agent answering).
   */
  flowHoldLimit?: number
  /**
   * Serve pkt0 on this tap device instead of the DPDK datagram pair, as the Linux kernel module does: the agent creates
   * the tap (`Pkt0.open('tap:NAME')`) and the simulator attaches to it when it appears; {@link Simulator.pkt0} is then
   * `tap:NAME`. Linux, as root (or with CAP_NET_RAW); taps are per network namespace.
   */
  pkt0Tap?: string
}

/** What became of an injected frame. */
export interface InjectResult {
  /**
   * `trapped` (sent to the agent on pkt0), `held` (queued behind a trapped packet of its flow), `forwarded` (allowed
   * by its flow), `dropped`, or `passed` (needed no flow and no trap: routing and bridging are not modelled).
   */
  action: 'trapped' | 'held' | 'forwarded' | 'dropped' | 'passed'
  /** The trap command when trapped: `TRAP_ARP`, `TRAP_L3_PROTOCOLS` (DHCP), `TRAP_FLOW_MISS`, `TRAP_FLOW_ACTION_HOLD`. */
  trap?: string
  /** The flow's index in the flow table, when a flow was involved. */
  flowIndex?: number
  /** The flow's gen id (flow traps): what a FLOW_SET must carry in `fr_gen_id`. */
  genId?: number
  /** The nexthop id in the flow's key (flow traps). */
  nh?: number
  /** Why it was dropped, as named in `vr_drop_stats_req` without `vds_` (`flow_unusable`, `flow_queue_limit_exceeded`, …). */
  reason?: string
}

/** Traffic for {@link Simulator.traffic}. */
export interface TrafficOptions {
  /** Distinct flows (IPv4 TCP and UDP 5-tuples), spread over the vifs. */
  flows: number
  /** Packets per flow (default 1). A flow's first packet traps FLOW_MISS; until the agent answers, two more are held and the rest dropped. */
  packetsPerFlow?: number
  /** Packets per second; default: as fast as possible. */
  rate?: number
  /** Send from this vif only; default: from every vif with POLICY_ENABLED (an error if there is none). */
  vif?: number
}

/** What a traffic run did. */
export interface TrafficResult {
  packets: number
  trapped: number
  held: number
  forwarded: number
  dropped: number
  passed: number
  /** Trap frames handed to the agent's socket. */
  trapsSent: number
  /** Trap frames dropped: no agent bound to pkt0, or its socket full (vRouter never waits for the agent). */
  trapsDropped: number
  elapsedMs: number
  /** The simulator closed before all packets went. */
  stopped: boolean
}

/** The simulator's counters. */
export interface SimulatorStats {
  /** ksync request messages answered, over every connection. */
  requestsServed: number
  trapsSent: number
  trapsDropped: number
  trapsDroppedAbsent: number
  trapsDroppedFull: number
  /** Datagrams received from the agent on pkt0. */
  received: number
  /** Valid SWITCH and ROUTE frames from the agent. */
  reinjected: number
  /** Invalid frames from the agent: 44 bytes or fewer, larger than a DPDK mbuf, or an unknown command. */
  invalidFrames: number
  /** Flow entries allocated since start, by packets and by the agent. */
  flowsCreated: number
  /** Flow entries in use now. */
  flowsActive: number
}

/** A frame the agent sent into the datapath on pkt0. */
export interface ReinjectedFrame {
  /** `CMD_SWITCH` (send out of `ifindex`) or `CMD_ROUTE` (route in `vrf` as if received on `ifindex`). */
  cmd: string
  ifindex: number
  vrf: number
  param: number
  param1: number
  /** The packet, from its Ethernet header on. */
  packet: Buffer
}

/** What {@link Simulator.measureKsync} measured. */
export interface KsyncMeasurement {
  /** Requests answered (sandeshes). */
  requests: number
  elapsedMs: number
  requestsPerSecond: number
}

/** What {@link Simulator.measureTraps} measured. */
export interface TrapMeasurement {
  /** Packets trapped by the datapath: trap frames generated for pkt0. */
  trapped: number
  /** Frames handed to the agent's socket. */
  sent: number
  /** Frames the native reading agent received. */
  received: number
  elapsedMs: number
  /** Trap frames generated per second. */
  trapsPerSecond: number
  /** Frames the reading agent received per second of the run. */
  receivedPerSecond: number
  /** CPU time the generating thread used (on a shared machine, less than the elapsed time). */
  cpuMs: number
  /** Trap frames generated per second of the generating thread's CPU time: the figure other load does not move. */
  trapsPerCpuSecond: number
}

/** What {@link Simulator.measurePkt0Socket} measured. */
export interface Pkt0SocketMeasurement {
  sent: number
  received: number
  elapsedMs: number
  /** Datagrams the agent received per second: the most a reading agent gets from this OS's socket. */
  receivedPerSecond: number
}

/**
 * A simulated vRouter forwarding engine: ksync with vRouter's state and semantics, the flow and bridge tables in
 * files agents map, and pkt0 as DPDK vRouter serves it.
 */
export class Simulator implements AsyncDisposable {
  /** The ksync endpoint, `unix:<dir>/dpdk_netlink` (on Windows the named pipe `\\.\pipe\<dir's name>-ksync`). */
  readonly ksync: string
  /** The TCP ksync endpoint, `tcp:127.0.0.1:<port>`, when `tcpPort` was given. */
  readonly ksyncTcp?: string
  /**
   * The pkt0 endpoint, `unix:<dir>/agent_pkt0`: the path the agent binds its datagram socket to. The simulator sends
   * trap frames there from `<dir>/dpdk_pkt0`, which the agent connects to (and sends its frames to), as DPDK vRouter does.
   * On Windows the message pipe `\\.\pipe\<dir's name>-pkt0`, one agent at a time, as the driver's pkt0 device.
   */
  readonly pkt0: string
  /**
   * The flow table, as `vr_flow_table_data` reports it: a file (absolute path) on Linux, a named section
   * (`Local\…`) on Windows, where the driver itself leaves the path empty.
   */
  readonly flowTable: string
  /** The bridge table, as `vr_bridge_table_data` reports it: a file on Linux, a named section on Windows. */
  readonly bridgeTable: string
  /** Bytes of the flow table (entries of 256 bytes, main then overflow). */
  readonly flowTableSize: number
  /** Bytes of the bridge table (entries of 64 bytes). */
  readonly bridgeTableSize: number
  /** The folder holding the endpoints. */
  readonly dir: string
  #native: NativeSimulator | undefined

  private constructor(n: NativeSimulator) {
    this.#native = n
    this.ksync = n.ksync
    this.ksyncTcp = n.ksyncTcp ?? undefined
    this.pkt0 = n.pkt0
    this.flowTable = n.flowTable
    this.bridgeTable = n.bridgeTable
    this.flowTableSize = n.flowTableSize
    this.bridgeTableSize = n.bridgeTableSize
    this.dir = n.dir
  }

  /** Starts a simulator; resolves once its endpoints accept connections and its table files exist. */
  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const hostIfs = typeof options.hostIfs === 'string' || options.hostIfs === undefined ? options.hostIfs : options.hostIfs.join(',')
    return new Simulator(
      native.NativeSimulator.start({
        dir: options.dir,
        dialect: options.dialect,
        tcpPort: options.tcpPort,
        hostIfs,
        flowEntries: options.flowEntries,
        bridgeEntries: options.bridgeEntries,
        layout: options.layout === undefined ? undefined : String(options.layout),
        flowHoldLimit: options.flowHoldLimit,
        pkt0Tap: options.pkt0Tap,
      }),
    )
  }

  /**
   * Runs one Ethernet frame through the datapath as received on vif `options.vif`: ARP traps as `TRAP_ARP`, DHCP as
   * `TRAP_L3_PROTOCOLS`; other IPv4 on a vif with POLICY_ENABLED meets the flow table (a new flow is created in HOLD,
   * visible in the table file, and trapped as `TRAP_FLOW_MISS`). Traps go to the agent's socket at {@link pkt0}.
   * Throws for a vif that does not exist.
   */
  inject(frame: Uint8Array, options: { vif: number }): InjectResult {
    const r = this.#open().inject(frame, options.vif)
    const out: InjectResult = { action: r.action as InjectResult['action'] }
    if (r.trap != null) out.trap = r.trap
    if (r.flowIndex != null) out.flowIndex = r.flowIndex
    if (r.genId != null) out.genId = r.genId
    if (r.nh != null) out.nh = r.nh
    if (r.reason != null) out.reason = r.reason
    return out
  }

  /**
   * Sends `flows` distinct IPv4 TCP/UDP flows through the datapath, from the VMs behind the policy-enabled vifs (or
   * `vif`), on a native thread; resolves when done (or when the simulator closes). New flows appear in the table file
   * and trap to pkt0; mind {@link SimulatorOptions.flowHoldLimit} when no agent answers the traps.
   */
  async traffic(options: TrafficOptions): Promise<TrafficResult> {
    return this.#open().traffic({ flows: options.flows, packetsPerFlow: options.packetsPerFlow, rate: options.rate, vif: options.vif })
  }

  /**
   * A test mode: rewrites the flow table as fast as it can for `durationMs` (inserting, counting and releasing UDP flows
   * 192.168.0.0/16 → 10.200.0.0/16 on `flows` keys), every flow stamped with a check value before it is published:
   * `fe_tcp_seq` = {@link churnCheckValue} of its key and gen id, `fe_src_info` = the same XOR 0xa5a5a5a5,
   * `fe_udp_src_port` = its low 16 bits. A reader that returns an entry whose stamp does not match returned it torn.
   */
  async churn(options: { flows: number; durationMs: number }): Promise<{ inserted: number; released: number; updated: number; refused: number; stopped: boolean; elapsedMs: number }> {
    return this.#open().churn({ flows: options.flows, durationMs: options.durationMs })
  }

  /**
   * Sends `count` `TRAP_FLOW_MISS` frames carrying `innerLength`-byte packets to the agent's pkt0 socket, as fast as the
   * agent takes them (waiting for room rather than dropping, unlike traps): a load generator for pkt0 receivers.
   * Resolves with how many went.
   */
  async flood(options: { innerLength: number; count: number }): Promise<number> {
    return this.#open().flood(options.innerLength, options.count)
  }

  /** The counters: ksync requests served, traps sent and dropped, frames re-injected, flows created and active. */
  stats(): SimulatorStats {
    return this.#open().stats()
  }

  /** The last 1024 frames the agent sent into the datapath on pkt0 (SWITCH and ROUTE), oldest first. */
  reinjected(): ReinjectedFrame[] {
    return this.#open().reinjected()
  }

  /**
   * What this simulator's ksync service sustains, measured natively so that the caller's client is not in the
   * figure: `frames` request frames of `perFrame` (default 1) GETs of MPLS label `label` (default 1) pipelined by a
   * native client over a new connection to {@link ksync}, or with `inProcess` handed to the service directly.
   */
  async measureKsync(options: { frames: number; perFrame?: number; inProcess?: boolean; label?: number }): Promise<KsyncMeasurement> {
    return this.#measuring('measureKsync').measureKsync(options)
  }

  /**
   * Trap generation, measured natively: one packet on each of `flows` new flows from the policy-enabled vifs (each
   * creates a HOLD flow and traps FLOW_MISS to pkt0), read by a native agent bound at {@link pkt0} unless
   * `readingAgent` is false. Needs room in the flow table and `flowHoldLimit: 0`; flows already there do not trap.
   */
  async measureTraps(options: { flows: number; readingAgent?: boolean }): Promise<TrapMeasurement> {
    return this.#measuring('measureTraps').measureTraps(options)
  }

  /**
   * The pkt0 socket alone: `count` datagrams of `frameLen` bytes sent with sendmmsg, waiting for room, to a native
   * reading agent, through sockets of their own: how many frames per second this OS delivers to a reading agent.
   */
  async measurePkt0Socket(count: number, frameLen: number): Promise<Pkt0SocketMeasurement> {
    return this.#measuring('measurePkt0Socket').measurePkt0Socket(count, frameLen)
  }

  /** Stops serving and closes every connection, stops traffic, removes the table files and sockets; idempotent. */
  async close(): Promise<void> {
    this.#native?.close()
    this.#native = undefined
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** The native simulator, when it has the measurements (Unix only: they use Unix sockets). */
  #measuring(what: 'measureKsync' | 'measureTraps' | 'measurePkt0Socket'): NativeSimulator {
    const n = this.#open()
    if (typeof n[what] !== 'function') throw new Error(`Simulator.${what} is not available on ${process.platform}`)
    return n
  }

  #open(): NativeSimulator {
    if (this.#native === undefined) throw new Error('the simulator is closed')
    return this.#native
  }
}

/** The check value {@link Simulator.churn} stamps on a flow: addresses as dotted quads, ports in host order. */
export function churnCheckValue(src: string, dst: string, sport: number, dport: number, genId: number): number {
  const n = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0)
  return native.churnCheckValue(n(src), n(dst), sport, dport, genId)
}
