// pnpm hooks. beforePacking shapes the package.json that `pnpm pack` and `pnpm publish` put in a
// tarball (the file on disk is untouched): users get no build scripts and no devDependencies.
// pnpm records this file's checksum in pnpm-lock.yaml: after editing it, run
// `SIGLUME_UNFROZEN=1 node scripts/setup.mjs` and commit the lockfile.
module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.scripts;
      delete pkg.devDependencies;
      return pkg;
    },
  },
};
