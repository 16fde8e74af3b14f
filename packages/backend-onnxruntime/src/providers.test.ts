/**
 * Execution providers: every provider this machine cannot run fails with a
 * typed error naming the provider, the reason and the remedy, both from
 * `OrtBackend.init` and through the registry. This machine has no GPU and
 * the CUDA/TensorRT provider libraries are not installed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError, listBackends, setBackend } from '@strata/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrtNative, type OrtNative } from './binding.js';
import { OrtBackend } from './ort-backend.js';
import { checkProvider, EXECUTION_PROVIDERS, ExecutionProviderUnavailableError, sessionProviderError } from './providers.js';
import { ORT_BACKEND_NAMES, registerOnnxruntimeBackends } from './register.js';

beforeAll(() => registerOnnxruntimeBackends({ intraOpNumThreads: 1 }));

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('registration', () => {
  it('registers one name per provider set, CPU last', () => {
    const names = listBackends();
    for (const name of Object.keys(ORT_BACKEND_NAMES)) expect(names).toContain(name);
    for (const eps of Object.values(ORT_BACKEND_NAMES)) expect(eps[eps.length - 1]).toBe('cpu');
    expect(ORT_BACKEND_NAMES['onnxruntime-cuda']).toEqual(['cuda', 'cpu']);
  });
});

describe('cpu', () => {
  it('initialises and runs', async () => {
    const b = new OrtBackend({ executionProviders: ['cpu'], intraOpNumThreads: 1 });
    await b.init();
    const x = b.tensor([1, -2, 3], [3], 'float32');
    expect(Array.from(b.readSync(b.relu(x)))).toEqual([1, 0, 3]);
  });

  it('is what `onnxruntime` uses', async () => {
    const b = await setBackend('onnxruntime');
    expect(b.name).toBe('onnxruntime');
    expect((b as OrtBackend).config.executionProviders).toEqual(['cpu']);
  });
});

describe('cuda and tensorrt (provider libraries not installed)', () => {
  it('setBackend("onnxruntime-cuda") rejects with BackendUnavailableError carrying the provider error', async () => {
    const e = await rejection(setBackend('onnxruntime-cuda'));
    expect(e).toBeInstanceOf(BackendUnavailableError);
    const msg = e.message;
    expect(msg).toContain('onnxruntime-cuda');
    expect(msg).toContain("onnxruntime execution provider 'cuda' is not available");
    expect(msg).toMatch(/libonnxruntime_providers_cuda\.so.* not found in /);
    expect(msg).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(msg).toContain('onlyBuiltDependencies');
    const attempts = (e as BackendUnavailableError).attempts;
    expect(attempts.map(([n]) => n)).toEqual(['onnxruntime-cuda']);
    expect(attempts[0]![1]).toContain("'cuda'");
  });

  it('init() rejects with ExecutionProviderUnavailableError for cuda', async () => {
    const e = await rejection(new OrtBackend({ executionProviders: ['cuda'] }).init());
    expect(e).toBeInstanceOf(ExecutionProviderUnavailableError);
    const ep = e as ExecutionProviderUnavailableError;
    expect(ep.provider).toBe('cuda');
    expect(ep.reason).toMatch(/libonnxruntime_providers_(shared|cuda)\.so/);
    expect(ep.reason).toContain('not found');
    expect(ep.remedy).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(ep.remedy).toContain('onlyBuiltDependencies');
    expect(ep.message).toContain(ep.reason);
    expect(ep.message).toContain(ep.remedy);
  });

  it('init() rejects with ExecutionProviderUnavailableError for tensorrt, also through the registry', async () => {
    const e = await rejection(new OrtBackend({ executionProviders: ['tensorrt', 'cuda', 'cpu'] }).init());
    expect(e).toBeInstanceOf(ExecutionProviderUnavailableError);
    expect((e as ExecutionProviderUnavailableError).provider).toBe('tensorrt');
    expect((e as ExecutionProviderUnavailableError).reason).toContain('libonnxruntime_providers_tensorrt.so');
    expect((e as ExecutionProviderUnavailableError).remedy).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    const r = await rejection(setBackend('onnxruntime-tensorrt'));
    expect(r).toBeInstanceOf(BackendUnavailableError);
    expect(r.message).toContain("'tensorrt' is not available");
  });

  it("an explicit list of names falls through to the next one (the caller's choice, not a silent switch)", async () => {
    const b = await setBackend(['onnxruntime-cuda', 'onnxruntime']);
    expect(b.name).toBe('onnxruntime');
  });
});

describe('platform-only providers', () => {
  it.runIf(process.platform === 'linux')('coreml and dml give the platform as the reason on linux', async () => {
    for (const [provider, os] of [
      ['coreml', 'macOS'],
      ['dml', 'Windows'],
    ] as const) {
      const e = await rejection(new OrtBackend({ executionProviders: [provider, 'cpu'] }).init());
      expect(e).toBeInstanceOf(ExecutionProviderUnavailableError);
      const ep = e as ExecutionProviderUnavailableError;
      expect(ep.provider).toBe(provider);
      expect(ep.reason).toBe('this machine runs linux.');
      expect(ep.remedy).toContain(`only on ${os}`);
    }
    const r = await rejection(setBackend('onnxruntime-coreml'));
    expect(r).toBeInstanceOf(BackendUnavailableError);
    expect(r.message).toContain("'coreml' is not available: this machine runs linux.");
  });
});

describe('unknown provider', () => {
  it('lists the known names', async () => {
    const e = await rejection(new OrtBackend({ executionProviders: ['rocm'] }).init());
    expect(e).toBeInstanceOf(ExecutionProviderUnavailableError);
    const ep = e as ExecutionProviderUnavailableError;
    expect(ep.provider).toBe('rocm');
    expect(ep.reason).toBe('unknown provider name.');
    expect(ep.remedy).toBe(`Use one of: ${EXECUTION_PROVIDERS.join(', ')}.`);
    expect(ep.message).toContain('cpu, cuda, tensorrt, webgpu, coreml, dml');
  });
});

describe('webgpu', () => {
  // The provider ships with onnxruntime-node for linux/x64, but needs a GPU adapter. Without
  // one (this machine), creating a session fails in onnxruntime ("No supported adapters"):
  // no crash and no silent fallback to CPU, and init reports it as the provider's error.
  it('either runs, or init() rejects with ExecutionProviderUnavailableError naming webgpu', async () => {
    const b = new OrtBackend({ executionProviders: ['webgpu', 'cpu'], intraOpNumThreads: 1 });
    let error: unknown;
    try {
      await b.init();
    } catch (e) {
      error = e;
    }
    if (error === undefined) {
      const x = b.tensor([1, 2, 3, 4], [2, 2], 'float32');
      expect(Array.from(b.readSync(b.matMul(x, x)))).toEqual([7, 10, 15, 22]);
      return;
    }
    expect(error).toBeInstanceOf(ExecutionProviderUnavailableError);
    const ep = error as ExecutionProviderUnavailableError;
    expect(ep.provider).toBe('webgpu');
    expect(ep.reason).toContain('could not create a session');
    expect(ep.remedy).toContain('GPU adapter');
    // the backend stays unusable rather than half-initialised
    expect(() => b.relu(b.tensor([1], [1], 'float32'))).toThrow(/not initialised/);
  });

  it('through the registry the same error is part of BackendUnavailableError (or the backend works)', async () => {
    try {
      const b = await setBackend('onnxruntime-webgpu');
      expect(b.name).toBe('onnxruntime-webgpu');
    } catch (e) {
      expect(e).toBeInstanceOf(BackendUnavailableError);
      expect((e as Error).message).toContain("onnxruntime execution provider 'webgpu' is not available");
    }
  });
});

describe('checkProvider against other builds', () => {
  let dir: string;
  let real: OrtNative;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-ort-bin-'));
    real = loadOrtNative();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const build = (providers: string[], binDir: string): OrtNative => ({
    ...real,
    binDir,
    listProviders: () => providers.map((name) => ({ name, bundled: name === 'cpu' })),
  });

  it('a provider the build lacks names what it has', () => {
    let err: unknown;
    try {
      checkProvider('webgpu', build(['cpu'], dir));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExecutionProviderUnavailableError);
    expect((err as Error).message).toContain('does not include it (it has: cpu)');
  });

  it('cuda passes once its libraries are in the binary directory', () => {
    const ort = build(['cpu', 'cuda', 'tensorrt'], dir);
    expect(() => checkProvider('cuda', ort)).toThrow(/libonnxruntime_providers_shared\.so, libonnxruntime_providers_cuda\.so not found/);
    writeFileSync(join(dir, 'libonnxruntime_providers_shared.so'), '');
    expect(() => checkProvider('cuda', ort)).toThrow(/^(?!.*shared\.so).*libonnxruntime_providers_cuda\.so not found/);
    writeFileSync(join(dir, 'libonnxruntime_providers_cuda.so'), '');
    expect(() => checkProvider('cuda', ort)).not.toThrow();
    expect(() => checkProvider('tensorrt', ort)).toThrow(/libonnxruntime_providers_tensorrt\.so not found/);
    expect(() => checkProvider('cpu', ort)).not.toThrow();
  });

  it('sessionProviderError blames the first provider other than cpu', () => {
    expect(sessionProviderError(['cpu'], 'x')).toBeUndefined();
    const e = sessionProviderError(['tensorrt', 'cuda', 'cpu'], 'no device');
    expect(e?.provider).toBe('tensorrt');
    expect(e?.message).toContain('no device');
    expect(e?.remedy).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
  });
});
