// Architecture checks (README "Packages", ARCHITECTURE.md floors), run in CI
// by `pnpm check:deps`; any violation fails it (see README "Development").
//
// Floors, lowest first. A package imports only from packages on lower floors
// and from itself; packages on the same floor do not import each other.
// apps/*, tools/* and examples/ may import any package; no package imports them.
const floors = [
  ['backend'],
  ['backend-tfjs', 'onnx', 'core'],
  ['backend-onnxruntime', 'losses', 'savers'],
  ['network'],
  ['engine'],
  ['datasets'],
];

// Tests and their helpers may use devDependencies (e.g. a package tests
// itself on backend-tfjs), so the floor and adapter rules skip them.
// Cycles are checked everywhere, tests included.
const TESTS = '(\\.test\\.ts$|/test-utils/)';

const floorRules = floors.flatMap((names, i) => {
  const allowed = floors.slice(0, i).flat();
  return names.map((name) => ({
    name: `floor-${i + 1}-${name}`,
    comment:
      `@strata/${name} is on floor ${i + 1}: it may import only ` +
      (allowed.length ? allowed.map((a) => `@strata/${a}`).join(', ') : 'nothing from other packages') +
      ' (lower floors), never a package on its own floor or above, nor apps/, tools/ or examples/.',
    severity: 'error',
    from: { path: `^packages/${name}/`, pathNot: TESTS },
    // Resolved paths, plus `@strata/x` itself when it does not resolve (an
    // import of a package that is not in this package's dependencies).
    to: {
      path: '^(packages|apps|tools|examples)/|^@strata/',
      pathNot: `^packages/(${[name, ...allowed].join('|')})/|^@strata/(${[name, ...allowed].join('|')})(/|$)`,
    },
  }));
});
const allPackages = floors.flat();

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Import cycles are forbidden, type-only imports included (`import type`, `export type ... from`).',
      severity: 'error',
      from: { path: '^(packages|apps|tools|examples)/' },
      to: { circular: true },
    },
    ...floorRules,
    {
      name: 'package-without-floor',
      comment: 'Every package under packages/ has a floor: add it to `floors` in .dependency-cruiser.cjs (and to the README table).',
      severity: 'error',
      from: { path: '^packages/([^/]+)/', pathNot: `^packages/(${allPackages.join('|')})/` },
      to: { path: '^(packages|apps|tools|examples)/|^@strata/', pathNot: '^packages/$1/' },
    },
    {
      name: 'no-tfjs-or-onnxruntime-above-floor-1',
      comment:
        'Nothing above floor 1 imports tfjs or onnxruntime except the adapters ' +
        '(backend-tfjs, backend-onnxruntime); apps, tools and tests may.',
      severity: 'error',
      from: {
        path: '^packages/',
        pathNot: [`^packages/(backend-tfjs|backend-onnxruntime)/`, TESTS],
      },
      to: { path: '(^|/node_modules/)(@tensorflow/|onnxruntime-)' },
    },
    {
      name: 'no-unresolved-strata-import',
      comment:
        'Every @strata/* import must resolve to packages/<name>/src (through the ' +
        'strata-source export condition), otherwise the floor rules cannot see it.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^@strata/' },
    },
  ],
  options: {
    // Count type-only imports (`import type`, `export type ... from`) too.
    tsPreCompilationDeps: true,
    doNotFollow: { path: '(^|/)node_modules/' },
    // Build output of our own packages (not dist/ inside node_modules: that
    // would hide the tfjs and onnxruntime imports from the adapter rule).
    exclude: { path: '^(packages|apps|tools)/[^/]+/(dist|coverage|\\.turbo)/|^examples/(dist|coverage|\\.turbo)/' },
    // pnpm symlinks node_modules/@strata/x to packages/x; use the real path.
    preserveSymlinks: false,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['strata-source', 'import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
