package io.edgenode.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code edgenode} command line. Errors print one clear line and exit non-zero; the stack
 * trace only with {@code --verbose}.
 */
@Command(name = "edgenode",
        mixinStandardHelpOptions = true,
        versionProvider = EdgenodeCli.Version.class,
        description = "Self-hosted edge inference node for GGUF models (llama.cpp).",
        subcommands = {ServeCommand.class, GenerateCommand.class, InspectCommand.class, MakeModelCommand.class, PullCommand.class, KeysCommand.class,
                CommandLine.HelpCommand.class})
public final class EdgenodeCli implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Show llama.cpp's log and stack traces on errors.")
    boolean verbose;

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose")
                || java.util.Arrays.asList(args).contains("-v");
        CliLogging.configure(verbose);
        CommandLine cli = new CommandLine(new EdgenodeCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("edgenode: " + CliErrors.oneLine(e));
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return 1;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = EdgenodeCli.class.getPackage().getImplementationVersion();
            return new String[] {"edgenode " + (v == null ? "dev" : v) + " (llama.cpp de3ff815 via node-llama-cpp 3.22.1)"};
        }
    }
}
