package io.edgenode.server.cli;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.store.pull.ModelPuller;
import io.edgenode.store.pull.ModelSource;
import io.edgenode.store.pull.PullListener;
import io.edgenode.store.pull.PullProgress;
import io.edgenode.store.pull.PullRequest;
import io.edgenode.store.pull.PullResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgenode pull}: downloads a model into {@code <out>.part} (resuming one that is there),
 * checks its sha256 and renames it onto {@code <out>}. Prints {@code <sha256>  <file>} on stdout
 * (the {@code sha256sum} format) and progress on stderr: a bar on a terminal, else a line a second.
 */
@Command(name = "pull", description = {
        "Download a model, verify its sha256 and publish it with an atomic rename; an interrupted pull resumes.",
        "SOURCE is hf://owner/repo[@revision]/file.gguf, an http(s):// URL, or a model ID from models.yaml.",
        "HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) is sent to huggingface.co for gated repos; HF_ENDPOINT names a mirror."})
final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE|ID", description = "hf://owner/repo/file.gguf, an http(s) URL, or a model ID.")
    String what;

    @Option(names = "--sha256", paramLabel = "HEX", description = "Expected SHA-256 (64 hex digits); a mismatch publishes nothing.")
    String sha256;

    @Option(names = {"-o", "--out"}, paramLabel = "PATH",
            description = "Output file, or an existing folder (default: models/<file name> for a URL, the model's path for an ID).")
    Path out;

    /** models.yaml, for a model ID. */
    @Mixin
    ConfigFileOption config;

    /** What to pull where. */
    record Plan(ModelSource source, Path target, Optional<String> sha256) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Plan plan = what.contains("://") ? planForSource() : planForId();
        PullRequest request = new PullRequest(plan.source(), plan.target(), plan.sha256());
        String name = plan.target().getFileName().toString();
        PullResult result;
        try (ModelPuller puller = new ModelPuller(); ProgressView progress = ProgressView.create(name, err)) {
            result = puller.pullResult(request, progress).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        err.println(result.downloaded()
                ? "edgenode: pulled " + result.target() + " (" + io.edgenode.store.ByteSizes.format(result.sizeBytes()) + ")"
                : "edgenode: " + result.target() + " is already there with the expected sha256");
        out.println(result.sha256Hex() + "  " + result.target());
        out.flush();
        err.flush();
        return 0;
    }

    private Plan planForSource() {
        ModelSource source = ModelSource.parse(what);
        Path target = out != null ? out : defaultTarget(source);
        return new Plan(source, intoFolder(target, source), Optional.ofNullable(sha256));
    }

    /** A URL's default output: {@code models/<file name>} under the working directory. */
    static Path defaultTarget(ModelSource source) {
        return Path.of("models").resolve(source.fileName());
    }

    private static Path intoFolder(Path target, ModelSource source) {
        return Files.isDirectory(target) ? target.resolve(source.fileName()) : target;
    }

    private Plan planForId() throws Exception {
        NodeConfig node = config.load();
        String configName = config.name();
        ModelSpec model = node.model(what).orElseThrow(() -> new IllegalArgumentException("no model '" + what + "' in "
                + configName + " (pull a URL or hf://owner/repo/file.gguf, or add the model there)"));
        Optional<String> source = sourceOf(model);
        if (source.isEmpty()) {
            throw new IllegalArgumentException("model ID '" + model.id() + "' has no source in " + configName
                    + (model.synthetic().isPresent() ? " (it is synthetic: `edgenode serve` creates it)" : ""));
        }
        ModelSource parsed = ModelSource.parse(source.get());
        Optional<String> configured = sha256Of(model);
        if (sha256 != null && configured.isPresent() && !sha256.equalsIgnoreCase(configured.get())) {
            throw new IllegalArgumentException("--sha256 " + sha256 + " differs from the sha256 of '" + model.id()
                    + "' in " + configName + ": " + configured.get());
        }
        Path target = out != null ? intoFolder(out, parsed) : model.path();
        return new Plan(parsed, target, sha256 != null ? Optional.of(sha256) : configured);
    }

    private static Optional<String> sourceOf(ModelSpec model) {
        return model.source();
    }

    private static Optional<String> sha256Of(ModelSpec model) {
        return model.sha256();
    }

    /** Shows a pull's progress; called on the download thread. */
    abstract static sealed class ProgressView implements PullListener, AutoCloseable {
        static ProgressView create(String name, PrintWriter err) {
            var console = System.console();
            return console != null && console.isTerminal() ? new Bar(name) : new Lines(name, err);
        }

        @Override
        public void close() {}
    }

    /** The progressbar library's bar, on the terminal's stderr. */
    static final class Bar extends ProgressView {
        private final String name;
        private ProgressBar bar;

        Bar(String name) {
            this.name = name;
        }

        @Override
        public synchronized void onProgress(PullProgress p) {
            if (bar == null && p.state() == PullProgress.State.DOWNLOADING) {
                bar = ProgressBar.builder()
                        .setTaskName("pulling " + name)
                        .setInitialMax(p.totalBytes())
                        .startsFrom(p.bytesDone(), Duration.ZERO)
                        .setUnit(" MiB", 1 << 20)
                        .showSpeed()
                        .setSpeedUnit(ChronoUnit.SECONDS)
                        .setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250)
                        .build();
            }
            if (bar != null) {
                bar.maxHint(p.totalBytes());
                bar.stepTo(p.bytesDone());
                if (p.isFinished()) {
                    close();
                }
            }
        }

        @Override
        public synchronized void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    /**
     * Plain lines for logs and pipes, at most one a second and one at the end:
     * {@code pulling x.gguf: 12% 24.0/200.0 MiB 35.1 MiB/s}.
     */
    static final class Lines extends ProgressView {
        private static final long INTERVAL = Duration.ofSeconds(1).toNanos();
        private final String name;
        private final PrintWriter err;
        private long startNanos = -1;
        private long startBytes;
        private long lastLineNanos;

        Lines(String name, PrintWriter err) {
            this.name = name;
            this.err = err;
        }

        @Override
        public synchronized void onProgress(PullProgress p) {
            long now = System.nanoTime();
            if (p.state() == PullProgress.State.DOWNLOADING && startNanos < 0) {
                startNanos = now;
                startBytes = p.bytesDone();
                lastLineNanos = now;
                return;
            }
            boolean last = startNanos >= 0 && (p.state() == PullProgress.State.VERIFYING || p.isFinished());
            if (startNanos < 0 || (!last && now - lastLineNanos < INTERVAL)) {
                return;
            }
            lastLineNanos = now;
            err.println(line(p, now - startNanos));
            err.flush();
            if (last) {
                startNanos = Long.MIN_VALUE; // one final line only
            }
        }

        String line(PullProgress p, long elapsedNanos) {
            double mib = 1 << 20;
            double seconds = Math.max(elapsedNanos / 1e9, 1e-3);
            double speed = (p.bytesDone() - startBytes) / mib / seconds;
            if (p.totalBytes() < 0) {
                return String.format(Locale.ROOT, "pulling %s: %.1f MiB %.1f MiB/s", name, p.bytesDone() / mib, speed);
            }
            return String.format(Locale.ROOT, "pulling %s: %d%% %.1f/%.1f MiB %.1f MiB/s", name,
                    (int) Math.floor(p.fraction() * 100), p.bytesDone() / mib, p.totalBytes() / mib, speed);
        }
    }
}
