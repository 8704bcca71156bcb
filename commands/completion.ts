import { Option } from 'clipanion';
import { UrchainCommand } from './base.js';
import { completionScript, type Shell } from './completions.js';
import { badInput } from '../src/errors.js';

export class CompletionCommand extends UrchainCommand {
  static override paths = [['completion']];
  static override usage = UrchainCommand.Usage({
    description: 'Print the shell completion script for bash, zsh or fish',
    details: 'The same scripts ship in completions/; they are generated from the command definitions.',
    examples: [
      ['bash', 'source <($0 completion bash)'],
      ['fish', '$0 completion fish > ~/.config/fish/completions/urchain.fish'],
    ],
  });
  shell = Option.String({ required: true, name: 'bash|zsh|fish' });

  async run() {
    if (!['bash', 'zsh', 'fish'].includes(this.shell)) throw badInput(`shell must be bash, zsh or fish; got ${this.shell}`);
    const { cli } = await import('./cli.js');
    this.context.stdout.write(completionScript(cli().definitions(), this.shell as Shell));
  }
}
