// zsctl: the command-line client of the Zhongshu services.
#include <iostream>

#include "common.h"
#include "config/config.h"

int main(int argc, char** argv) {
  zsctl::Globals g;
  CLI::App app{"zsctl - command-line client of Zhongshu (中枢)"};
  app.require_subcommand(1);
  zsctl::AddGlobalFlags(app, g);

  std::string user, ttl = "8h";
  auto* token = app.add_subcommand("token", "print a development token for a user of the org file");
  token->add_option("--user", user, "user id")->required();
  token->add_option("--ttl", ttl, "validity, e.g. 30m, 8h");
  token->callback([&] {
    const auto d = zs::config::ParseDuration(ttl);
    if (!d || d->count() <= 0) zsctl::Die("--ttl must look like 30m or 8h");
    std::cout << zsctl::DevToken(g, user, std::chrono::duration_cast<std::chrono::seconds>(*d))
              << "\n";
  });

  zsctl::AddReportingCommands(app, g);
  zsctl::AddSupervisionCommands(app, g);
  zsctl::AddProposalsCommands(app, g);
  zsctl::AddMattersCommands(app, g);
  zsctl::AddMeetingsCommands(app, g);
  zsctl::AddScheduleCommands(app, g);
  zsctl::AddCirculationCommands(app, g);
  zsctl::AddDutyCommands(app, g);
  zsctl::AddHealthCommands(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and succeeds; any other usage error exits 2, as documented.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return 0;
}
