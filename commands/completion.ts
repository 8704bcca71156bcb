import { Option } from 'clipanion';
import { UrchainCommand, parseChoice } from './base.js';
import { completionScript, SHELLS, type Shell } from './completions.js';

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
    const shell = parseChoice<Shell>(this.shell, 'shell', SHELLS);
    this.write(completionScript(this.cli.definitions(), shell));
  }
}
