// The flags of a bench script: --help prints the usage, anything undeclared (or a bare argument) stops it with the
// usage and exit code 2 before it starts anything.

/** Checks argv (zx's minimist result) against the declared flags; returns `fail(message)`, which exits 2. */
export function benchArgs(argv, usage, flags) {
  if (argv.help || argv.h) {
    console.log(usage);
    process.exit(0);
  }
  const fail = (message) => {
    console.error(`${message}\n\n${usage}`);
    process.exit(2);
  };
  const unknown = Object.keys(argv).filter((key) => !['_', 'help', 'h', ...flags].includes(key));
  if (unknown.length > 0 || argv._.length > 0) fail(`unknown argument ${unknown.length > 0 ? `--${unknown[0]}` : argv._[0]}`);
  return fail;
}
