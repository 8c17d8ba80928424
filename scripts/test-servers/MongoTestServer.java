import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import org.h2.mvstore.MVStore;

/**
 * Launcher for mongo-java-server (a library without a main class), used only by servers.sh for
 * integration tests. Usage: java MongoTestServer HOST PORT DATA_FILE
 *
 * <p>Data lives in an H2 MVStore file so it survives a restart of the server. The oplog is enabled
 * so that change streams work. The server reports version "5.0.0" but maxWireVersion 8 (what a real
 * MongoDB 4.2 reports), the library's default and exactly the minimum of the Node driver 6.x.
 */
public final class MongoTestServer {

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: MongoTestServer HOST PORT DATA_FILE");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String dataFile = args[2];

        MVStore store = MVStore.open(dataFile);
        // A commit per write (below) appends a chunk per command; old chunks are only reused after
        // the retention time (45 s by default, meant for OS crashes; a killed process loses
        // nothing that reached the page cache). 1 s keeps the file about half as big.
        store.setRetentionTime(1000);
        // MVStore only auto-commits about once a second, so a SIGKILL (crash test) would lose
        // writes that the client already saw acknowledged. Committing after every command makes
        // an acknowledged write survive a process crash, as with a real mongod.
        // (commit() is a no-op when nothing changed, so reads stay cheap.)
        H2Backend backend = new H2Backend(store) {
            @Override
            public Document handleCommand(Channel channel, String db, String command, Document query) {
                try {
                    return super.handleCommand(channel, db, command, query);
                } finally {
                    commit();
                }
            }
        };

        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        server.bind(host, port);

        // SIGTERM/SIGINT: stop accepting, close the client connections and the MVStore cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("MongoTestServer: shutting down");
            server.shutdown();
            System.out.println("MongoTestServer: stopped");
        }, "shutdown"));

        // servers.sh waits for this exact line.
        System.out.println("MongoTestServer: listening on " + host + ":" + port + " data=" + dataFile);
        Thread.currentThread().join();
    }
}
