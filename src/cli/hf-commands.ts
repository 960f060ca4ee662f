/**
 * `data2vec import-hf`, `export-hf` and `encode` (Hugging Face interop; see src/hf):
 * load released data2vec checkpoints into a run folder, write a run's encoder in
 * HF's names and layouts, and run an encoder on inputs in HF's layout.
 */
import { Command } from 'commander';
import { startBackend } from './flags';
import { ALL_BACKENDS_HELP, addBackendOptions, addOutputOptions } from './common-options';
import { importHf } from '../hf/import-hf';
import { exportHf } from '../hf/export-hf';
import { encodeHfFile } from '../hf/encode-hf';
import { printJsonLine, say } from './output-lines';

/** The options of the interop subcommands, as commander parses them (each command has some). */
interface InteropOptions {
  run: string;
  out: string;
  input: string;
  masked?: boolean;
  backend?: string;
  json?: boolean;
}

/**
 * Finish an interop subcommand: `--backend` and `--json`, and an action that starts the
 * backend, runs `work` on the options, says `describe` of its summary on stderr and,
 * with --json, prints the summary.
 */
function interopAction<T>(cmd: Command, work: (opts: InteropOptions, args: string[]) => Promise<T>, describe: (s: T) => string): void {
  addOutputOptions(addBackendOptions(cmd, ALL_BACKENDS_HELP, false))
    .action(async (...args: unknown[]) => {
      // commander passes the positional arguments, then the options, then the command
      const opts = args[args.length - 2] as InteropOptions;
      await startBackend(opts.backend);
      const s = await work(opts, args.slice(0, -2) as string[]);
      say(describe(s));
      printJsonLine(opts.json, s);
    });
}

export function registerHfCommands(program: Command): void {
  interopAction(
    program
      .command('import-hf')
      .description('import a Hugging Face data2vec folder (config.json + model.safetensors or pytorch_model.bin) as a run folder')
      .argument('<dir>', 'folder written by save_pretrained or huggingface-cli download')
      .requiredOption('--out <dir>', 'new run folder'),
    (opts, [dir]) => importHf(dir, opts.out),
    (s) => `imported ${s.model_type} (${s.tensors} tensors, ${s.parameters} parameters, ${Object.entries(s.dtypes).map(([d, n]) => `${n} ${d}`).join(', ')}) into ${s.run_dir}`,
  );

  interopAction(
    program
      .command('export-hf')
      .description("write a run's encoder as a Hugging Face folder (config.json + model.safetensors)")
      .requiredOption('--run <dir>', 'a data2vec 1.0 run folder (pretrain or import-hf)')
      .requiredOption('--out <dir>', 'new folder for from_pretrained'),
    (opts) => exportHf(opts.run, opts.out),
    (s) => `wrote ${s.out_dir} for ${s.class_name}.from_pretrained (${s.tensors} tensors${s.zero_tensors.length ? `; ${s.zero_tensors.join(', ')} written as zeros: the run has no such parameters` : ''})`,
  );

  interopAction(
    program
      .command('encode')
      .description("run a run's encoder on inputs in Hugging Face names and layouts; writes hidden_states.*, last_hidden_state and the pooled output")
      .requiredOption('--run <dir>', 'a data2vec 1.0 run folder')
      .requiredOption('--input <file>', 'safetensors with pixel_values, input_values or input_ids + attention_mask')
      .requiredOption('--out <file>', 'safetensors file to write')
      .option('--masked', 'apply bool_masked_pos / mask_time_indices from the input'),
    (opts) => encodeHfFile(opts.run, opts.input, opts.out, opts.masked === true),
    (s) => `wrote ${Object.keys(s.outputs).length} outputs to ${s.out}`,
  );
}
