// DynamoDB Local bound to one address (127.0.0.1) instead of every interface.
//
// DynamoDB Local has no host option: its DynamoDBProxyServer builds a Jetty `new Server(port)`, whose one
// connector listens on 0.0.0.0. This launcher builds the server exactly as DynamoDB Local's own main does
// (ServerRunner.createServerFromCommandLineArgs, same arguments), sets the host of every Jetty network
// connector before anything listens, and starts it. If the server's shape ever changes so that no connector
// can be found, it exits with status 3 instead of listening everywhere.
//
//   java -cp <this dir>:DynamoDBLocal.jar LoopbackDynamoDBLocal <host> <DynamoDB Local arguments...>
//
// Compiled on first use by a2g_local/dynamodb_launcher.py (javac --release 11) into a cache folder.

import java.lang.reflect.Field;
import java.util.Arrays;

public final class LoopbackDynamoDBLocal {
    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoopbackDynamoDBLocal <host> [DynamoDB Local arguments]");
            System.exit(2);
        }
        String host = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Object proxy = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner")
                .getMethod("createServerFromCommandLineArgs", String[].class)
                .invoke(null, (Object) rest);
        Class<?> jettyServer = Class.forName("org.eclipse.jetty.server.Server");
        Class<?> networkConnector = Class.forName("org.eclipse.jetty.server.AbstractNetworkConnector");
        int bound = 0;
        for (Field field : proxy.getClass().getDeclaredFields()) {
            if (!jettyServer.isAssignableFrom(field.getType())) {
                continue;
            }
            field.setAccessible(true);
            Object server = field.get(proxy);
            Object[] connectors = (Object[]) jettyServer.getMethod("getConnectors").invoke(server);
            for (Object connector : connectors) {
                if (networkConnector.isInstance(connector)) {
                    networkConnector.getMethod("setHost", String.class).invoke(connector, host);
                    bound++;
                }
            }
        }
        if (bound == 0) {
            System.err.println("LoopbackDynamoDBLocal: no Jetty connector found to bind to " + host);
            System.exit(3);
        }
        proxy.getClass().getMethod("start").invoke(proxy);
        System.err.println("LoopbackDynamoDBLocal: listening on " + host + " (" + bound + " connector(s))");
    }
}
