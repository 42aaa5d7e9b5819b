package ichigo;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A SolrCloud of N nodes and an embedded ZooKeeper in this JVM, on loopback, for ichigo-search's tests
 * and benchmarks. Prints "node I URL" per node, then "ready". Reads commands on stdin, one a line:
 * "kill I" stops node I (its cores and data stay), "start I" starts it again on the same port; each
 * is answered "killed I" / "started I". Shuts down when stdin closes. A second argument names a
 * security.json file (authentication and authorization plugins) the cluster starts with.
 */
public final class Cluster {
  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    Path base = Files.createTempDirectory("ichigo-solr");
    MiniSolrCloudCluster.Builder builder =
        new MiniSolrCloudCluster.Builder(nodes, base)
            .withJettyConfig(jetty -> jetty.setContext("/solr").stopAtShutdown(true));
    if (args.length > 1) {
      builder.withSecurityJson(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8));
    }
    MiniSolrCloudCluster cluster = builder.build();
    try {
      JettySolrRunner[] runners = new JettySolrRunner[nodes];
      for (int i = 0; i < nodes; i++) {
        runners[i] = cluster.getJettySolrRunner(i);
        System.out.println("node " + i + " " + runners[i].getBaseUrl());
      }
      System.out.println("ready");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.trim().split("\\s+");
        if (words.length != 2) {
          continue;
        }
        try {
          int i = Integer.parseInt(words[1]);
          if (words[0].equals("kill")) {
            runners[i].stop(); // at once, as a crash would: no waiting for the cluster to notice
            System.out.println("killed " + i);
          } else if (words[0].equals("start")) {
            runners[i].start(true); // on its old port
            System.out.println("started " + i);
          }
        } catch (Exception e) {
          System.out.println("error " + e);
        }
        System.out.flush();
      }
    } finally {
      cluster.shutdown();
    }
  }
}
