/**
 * The machine a benchmark ran on, as every result file under bench/results records it.
 */
import * as os from 'os';

export interface MachineInfo {
  cpu: string | undefined;
  cores: number;
  memory_gb: number;
  /** 1, 5 and 15-minute load averages when the benchmark wrote its result (other jobs slow it down). */
  loadavg: number[];
}

export function machineInfo(): MachineInfo {
  return { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memory_gb: os.totalmem() / 2 ** 30, loadavg: os.loadavg() };
}
