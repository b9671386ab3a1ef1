import { arch, cpus, platform, totalmem } from 'node:os';

/** The machine a result was measured on: every run record, conformance report and bench report carries it. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  platform: string;
  arch: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), platform: platform(), arch: arch(), node: process.version };
}
