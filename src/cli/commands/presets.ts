/** `servesim presets`: hardware and model presets with their sources. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { GPUS, HOSTS, LINKS } from '../../hardware/index.js';
import type { Registry } from '../../scenario/types.js';
import { printJson, printLine, type GlobalArgs } from '../shared.js';

const GB = 1e9;
const GiB = 2 ** 30;

export function presetsCommand(registry: Registry): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'presets',
    describe: 'List hardware (GPU, host, link) and model presets with their sources',
    builder: (y: Argv<GlobalArgs>) => y.example('$0 presets', 'everything, as text').example('$0 presets --json', 'as JSON for scripts'),
    handler: (argv: ArgumentsCamelCase<GlobalArgs>) => {
      const gpus = Object.entries(GPUS).map(([name, g]) => ({
        name,
        summary: `${g.name}: ${(g.memoryBytes / GiB).toFixed(0)} GiB, ${(g.memBandwidth / GB).toFixed(0)} GB/s, ${(g.fp16Flops / 1e12).toFixed(0)} TFLOP/s fp16, PCIe Gen${g.pcieGen}${g.nvlinkBandwidth ? `, NVLink ${(g.nvlinkBandwidth / GB).toFixed(0)} GB/s` : ''}`,
        source: g.source,
      }));
      const hosts = Object.entries(HOSTS).map(([name, h]) => ({
        name,
        summary: `${h.name}: ${h.cores} cores, ${(h.memBandwidth / GB).toFixed(0)} GB/s DRAM, ${(h.memoryBytes / GiB).toFixed(0)} GiB`,
        source: h.source,
      }));
      const links = Object.entries(LINKS).map(([name, l]) => ({
        name,
        summary: `${l.name}: ${(l.bandwidth / GB).toFixed(1)} GB/s, ${(l.latency * 1e6).toFixed(1)} us latency`,
        source: l.source,
      }));
      const systems = Object.fromEntries(
        Object.entries(registry.systems).map(([name, s]) => [name, { description: s!.description, models: s!.presets() }]),
      );
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
