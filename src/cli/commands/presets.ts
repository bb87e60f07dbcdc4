/** `servesim presets`: hardware and model presets with their sources. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { presets } from '../../api/presets.js';
import type { Registry } from '../../scenario/types.js';
import { printJson, printLine, type GlobalArgs } from '../shared.js';

export function presetsCommand(registry: Registry): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'presets',
    describe: 'List hardware (GPU, host, link) and model presets with their sources',
    builder: (y: Argv<GlobalArgs>) => y.example('$0 presets', 'everything, as text').example('$0 presets --json', 'as JSON for scripts'),
    handler: (argv: ArgumentsCamelCase<GlobalArgs>) => {
      const { gpus, hosts, links, systems } = presets(registry);
      if (argv.json) return printJson({ gpus, hosts, links, systems });
      const section = (title: string, rows: Array<{ name: string; summary: string; source: string }>) => {
        printLine(title);
        for (const r of rows) {
          printLine(`  ${r.name.padEnd(20)} ${r.summary}`);
          printLine(`  ${''.padEnd(20)} source: ${r.source}`);
        }
        printLine();
      };
      section('GPUs (hardware.gpu)', gpus);
      section('Hosts (hardware.host)', hosts);
      section('Links (hardware.pcie, hardware.interconnect, hardware.disk, hardware.remote)', links);
      for (const [name, s] of Object.entries(systems)) section(`${name} models (model.preset): ${s.description}`, s.models);
    },
  };
}
