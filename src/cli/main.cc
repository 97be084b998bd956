// The `ballast` binary: the command line, with `serve` running the server.
#include "cli/cli.h"
#include "server/serve.h"

int main(int argc, char** argv) {
  return ballast::cli::RunCli(argc, argv, &ballast::server::RunServe);
}
