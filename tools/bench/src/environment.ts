/** Facts about the machine and the thread settings each runtime uses, for the report. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { getBackend, setBackend } from '@strata/backend';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** Threads of this process (Linux: entries of /proc/self/task), or null where unknown. */
export function processThreads(): number | null {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

/** Physical cores (Linux: distinct core ids in /proc/cpuinfo), else the logical CPU count. */
export function physicalCores(): number {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    let phys = '0';
    for (const line of info.split('\n')) {
      const [k, v] = line.split(':').map((s) => s.trim());
      if (k === 'physical id') phys = v!;
      if (k === 'core id') cores.add(`${phys}:${v}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    /* not Linux */
  }
  return availableParallelism();
}

/**
 * Runs `fn` and returns how many OS threads it left running. onnxruntime's
 * intra-op pool of N threads adds N - 1 worker threads per session (the
 * calling thread is the N-th).
 */
export async function threadsAddedBy<T>(fn: () => Promise<T>): Promise<{ result: T; added: number | null }> {
  const before = processThreads();
  const result = await fn();
  const after = processThreads();
  return { result, added: before === null || after === null ? null : after - before };
}

/** The machine, one line. */
export function machineLine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs (${physicalCores()} physical cores), Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** The 1-minute load average, with a warning when other work competes for the cores. */
export function loadLine(): string {
  const l = loadavg()[0]!;
  const busy = l > 0.5 * availableParallelism();
  return `load average (1 min) ${l.toFixed(2)} on ${availableParallelism()} CPUs${busy ? ': other processes compete for the cores, expect noisy numbers (the 2-thread onnxruntime rows suffer most)' : ''}`;
}

/** tfjs wasm: threads XNNPACK uses, SIMD and multithread support (after the backend is initialised). */
export async function tfjsWasmThreadsLine(): Promise<string> {
  await setBackend('tfjs-wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return (
    `tfjs-wasm: getThreadsCount() = ${getThreadsCount()} (WASM_HAS_MULTITHREAD_SUPPORT=${String(mt)}: tfjs-backend-wasm 4.22 loads its ` +
    `${mt ? 'threaded' : 'single-threaded'} ${simd ? 'SIMD' : 'non-SIMD'} binary in Node), shared by Strata tfjs-wasm and tfjs-layers`
  );
}

/** Strata's onnxruntime backend: its configured intra-op threads, or `default (one per physical core = N)`. */
export async function strataOrtThreads(): Promise<string> {
  await setBackend('onnxruntime');
  const setting = (getBackend() as unknown as { config?: { intraOpNumThreads?: number } }).config?.intraOpNumThreads;
  return setting === undefined ? `default (one per physical core = ${physicalCores()})` : String(setting);
}

/** Versions of the packages the contenders run, read from tools/bench/node_modules/<pkg>/package.json. */
export function packageVersions(benchDir: string): Record<string, string> {
  const pkgs = [
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-layers',
    '@tensorflow/tfjs-backend-wasm',
    'onnxruntime-node',
    '@strata/backend-tfjs',
    '@strata/backend-onnxruntime',
    '@strata/engine',
    '@strata/network',
  ];
  const out: Record<string, string> = {};
  for (const p of pkgs) {
    try {
      out[p] = (JSON.parse(readFileSync(join(benchDir, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      out[p] = 'unknown';
    }
  }
  return out;
}

/** The commit of the working tree (with `+dirty` when files differ from it), or null outside git. */
export function gitCommit(repoRoot: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null;
  }
}

/** The machine summary of the JSON file. */
export interface MachineSummary {
  cpu: string;
  logicalCpus: number;
  physicalCores: number;
  memoryGB: number;
  node: string;
  platform: string;
  packages: Record<string, string>;
  commit: string | null;
  loadAverageStart: number;
}

export function machineSummary(benchDir: string, repoRoot: string): MachineSummary {
  return {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    logicalCpus: availableParallelism(),
    physicalCores: physicalCores(),
    memoryGB: Math.round(totalmem() / 1e8) / 10,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    packages: packageVersions(benchDir),
    commit: gitCommit(repoRoot),
    loadAverageStart: loadavg()[0]!,
  };
}
