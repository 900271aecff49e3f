import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/dispatch.js';
import { COMMANDS } from '../../src/cli/commands.js';

const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** `pairec ARGV` in this process: exit status and what it wrote. Only paths that exit before a command's implementation loads. */
async function cli(...argv: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('pairec command line', () => {
  it('every sub-command answers --help and -h: its usage, each option, exit 0', async () => {
    assert.deepEqual(
      COMMANDS.map((c) => c.name),
      ['serve', 'validate', 'gen-demo', 'vector-server', 'model-server', 'profile'],
    );
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        // Help wins over anything else on the line, even options the command would refuse.
        const r = await cli(c.name, '--bogus', flag);
        assert.equal(r.code, 0, `${c.name} ${flag}`);
        assert.ok(r.out.startsWith(`usage: pairec ${c.name}`), r.out);
        for (const option of Object.keys(c.options)) assert.ok(r.out.includes(`--${option}`), `${c.name} --help names --${option}`);
        assert.equal(r.err, '');
      }
    }
  });

  it('pairec --help lists every command; pairec --version prints the package version', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    for (const c of COMMANDS) assert.match(help.out, new RegExp(`^  ${c.name} `, 'm'));
    assert.deepEqual(await cli('--version'), { code: 0, out: `${PACKAGE.version}\n`, err: '' });
  });

  it('an unknown option, a missing required option, an unknown command: usage error, exit 2, naming it', async () => {
    for (const c of COMMANDS) {
      const r = await cli(c.name, '--no-such-option');
      assert.equal(r.code, 2, c.name);
      assert.match(r.err, /'--no-such-option'/);
      assert.match(r.err, new RegExp(`see: pairec ${c.name} --help`));
    }
    const missing = await cli('profile', '--config', 'c.json');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--algorithm NAME, --input FILE required/);
    const stray = await cli('validate', 'c.json');
    assert.equal(stray.code, 2);
    assert.match(stray.err, /Unexpected argument 'c\.json'/);
    const unknown = await cli('servee');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command "servee"/);
    assert.equal((await cli()).code, 2);
    assert.equal((await cli('--bogus')).code, 2);
  });
});
