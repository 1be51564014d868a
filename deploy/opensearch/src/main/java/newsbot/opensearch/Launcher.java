package newsbot.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one OpenSearch node inside this JVM, with the Netty transport and the common analyzers.
 *
 * <p>Arguments are node settings as {@code key=value}. The node runs until SIGTERM (or
 * SIGINT), then closes and the JVM exits with status 143 (130): a service under systemd or
 * a container. With {@code --watch-stdin} (or {@code NEWSBOT_OPENSEARCH_WATCH_STDIN=1}) it also
 * stops when standard input closes, so a test's node never outlives the process that started it.
 */
public final class Launcher {

    /** A node whose plugins come from the class path rather than a plugins directory. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        boolean watchStdin = "1".equals(System.getenv("NEWSBOT_OPENSEARCH_WATCH_STDIN"));
        for (String arg : args) {
            if (arg.equals("--watch-stdin")) {
                watchStdin = true;
                continue;
            }
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                System.err.println("expected key=value, got: " + arg);
                System.exit(2);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        // path.home needs a config directory; the node reads no file from it.
        Path home = Path.of(settings.get("path.home"));
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("modules"));
        // Log4j from settings alone: there is no log4j2.properties outside a distribution.
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);
        LogConfigurator.setNodeName(settings.get("node.name", "newsbot"));

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> settings.get("node.name", "newsbot"));
        Node node = new EmbeddedNode(
            environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(node, closed)));
        node.start();
        System.out.println("NEWSBOT-OPENSEARCH STARTED");
        System.out.flush();

        if (!watchStdin) {
            // A service: the shutdown hook closes the node on SIGTERM; stdin is never read,
            // so a service manager's /dev/null (or a closed pipe) does not stop it.
            closed.await();
            return;
        }
        // Wait for the parent to close our stdin (or to die, which closes it too).
        InputStream in = System.in;
        try {
            while (in.read() != -1) {
                // Input is ignored; only its end matters.
            }
        } catch (IOException ignored) {
            // A broken pipe means the parent is gone: stop as on EOF.
        }
        close(node, closed);
        System.exit(0);
    }

    private static synchronized void close(Node node, CountDownLatch closed) {
        if (closed.getCount() == 0) {
            return;
        }
        try {
            node.close();
        } catch (IOException e) {
            e.printStackTrace();
        }
        closed.countDown();
    }
}
