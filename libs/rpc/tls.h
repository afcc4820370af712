#pragma once

// TLS for the services' gRPC, from PEM files: a server's certificate and key, optionally the CA
// its clients' certificates must chain to (mutual TLS); a client's CA to verify servers, and
// optionally its own certificate for mutual TLS. The files are watched: a rotated certificate is
// picked up within `refresh` without a restart.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace zs::rpc {

struct ServerTls {
  std::string cert_file;  // empty: plaintext
  std::string key_file;
  std::string client_ca_file;  // set: every client must present a certificate signed by it
  std::chrono::seconds refresh{60};
  bool enabled() const { return !cert_file.empty(); }
};

struct ClientTls {
  std::string ca_file;    // empty: plaintext
  std::string cert_file;  // set with key_file: this client's certificate (mutual TLS)
  std::string key_file;
  std::string server_name;  // the name the server's certificate must carry; empty: the host
  std::chrono::seconds refresh{60};
  bool enabled() const { return !ca_file.empty(); }
};

// Checks that the named files exist and hold PEM data of the right kind; the message names the
// file. Called at start-up, so a wrong path stops the process instead of failing every call.
absl::Status CheckServerTls(const ServerTls& tls);
absl::Status CheckClientTls(const ClientTls& tls);

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTls& tls);
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTls& tls);

// A channel to `address` with `tls` (plaintext when not enabled) and its server-name override.
std::shared_ptr<grpc::Channel> Dial(const std::string& address, const ClientTls& tls,
                                    grpc::ChannelArguments args = {});

}  // namespace zs::rpc
