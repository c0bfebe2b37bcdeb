// The test's side of a script driven over stdin: waitLine resolves once the test writes a
// line equal to want.
import readline from "node:readline";

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

export async function waitLine(want) {
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`stdin closed before ${want}`);
    if (value.trim() === want) return;
  }
}
