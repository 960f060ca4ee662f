/**
 * `bench/finetune-compare.ts` arguments: an unknown flag (such as `--help`) or a flag
 * without its value is refused before any training, so it cannot start the whole
 * default comparison and rewrite the committed results.
 */
import { expect } from 'chai';
import { unknownArgument } from '../../bench/finetune-compare';

describe('finetune-compare arguments', () => {
  it('accepts its flags with values', () => {
    expect(unknownArgument([])).to.equal(undefined);
    expect(unknownArgument(['--only', 'image:v2', '--run', 'image:v2=/tmp/r', '--seeds', '0,1', '--steps', '10', '--max-test', '100', '--results', '/tmp/x'])).to.equal(undefined);
  });

  it('refuses an unknown flag, a stray value and a missing value with one sentence', () => {
    expect(unknownArgument(['--help'])).to.match(/^finetune-compare does not know "--help"; it takes --only VALUE, --seeds VALUE/);
    expect(unknownArgument(['--only', 'image:v1', 'extra'])).to.match(/does not know "extra"/);
    expect(unknownArgument(['--only', 'image:v1', '--seed', '1'])).to.match(/does not know "--seed"/);
    expect(unknownArgument(['--only', 'image:v1', '--seeds'])).to.equal('--seeds needs a value.');
  });
});
