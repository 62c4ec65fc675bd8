// The official Temporal time-skipping test server (io.temporal:temporal-test-server), bound to
// 127.0.0.1 only. Its own main (io.temporal.testserver.TestServer) listens on every interface,
// which this project never does. Usage: LoopbackTestServer <port>. Compiled by build-test-server.sh.

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.net.InetAddress;
import java.net.InetSocketAddress;

public final class LoopbackTestServer {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: LoopbackTestServer <port>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    // Time skipping starts locked, as the SDK expects (it unlocks around awaiting results).
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), InsecureServerCredentials.create());
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    Server server = builder.build().start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdownNow();
                  services.close();
                }));
    server.awaitTermination();
  }
}
