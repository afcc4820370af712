#include "rpc/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

namespace zs::rpc {
namespace {

namespace gx = grpc::experimental;

absl::Status CheckPem(const std::string& path, const std::string& what,
                      std::initializer_list<const char*> markers) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError("cannot read " + what + " '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  for (const char* m : markers) {
    if (text.find(m) != std::string::npos) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(what + " '" + path + "' holds no PEM " +
                                    std::string(*markers.begin()).substr(11));
}

constexpr const char* kCert = "-----BEGIN CERTIFICATE";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY";
constexpr const char* kRsaKey = "-----BEGIN RSA PRIVATE KEY";
constexpr const char* kEcKey = "-----BEGIN EC PRIVATE KEY";

}  // namespace

absl::Status CheckServerTls(const ServerTls& tls) {
  if (!tls.enabled()) {
    if (!tls.key_file.empty() || !tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError("a key or client CA without a certificate (cert_file)");
    }
    return absl::OkStatus();
  }
  if (tls.key_file.empty())
    return absl::InvalidArgumentError("key_file is required with cert_file");
  if (auto s = CheckPem(tls.cert_file, "certificate", {kCert}); !s.ok()) return s;
  if (auto s = CheckPem(tls.key_file, "private key", {kKey, kRsaKey, kEcKey}); !s.ok()) return s;
  if (!tls.client_ca_file.empty()) {
    if (auto s = CheckPem(tls.client_ca_file, "client CA", {kCert}); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckClientTls(const ClientTls& tls) {
  if (!tls.enabled()) {
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      return absl::InvalidArgumentError("a client certificate without a CA (ca_file)");
    }
    return absl::OkStatus();
  }
  if (auto s = CheckPem(tls.ca_file, "CA", {kCert}); !s.ok()) return s;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("cert_file and key_file go together");
  }
  if (!tls.cert_file.empty()) {
    if (auto s = CheckPem(tls.cert_file, "certificate", {kCert}); !s.ok()) return s;
    if (auto s = CheckPem(tls.key_file, "private key", {kKey, kRsaKey, kEcKey}); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const ServerTls& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto provider = std::make_shared<gx::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.client_ca_file,
      static_cast<unsigned>(std::max<int64_t>(1, tls.refresh.count())));
  gx::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!tls.client_ca_file.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const ClientTls& tls) {
  if (!tls.enabled()) return grpc::InsecureChannelCredentials();
  auto provider = std::make_shared<gx::FileWatcherCertificateProvider>(
      tls.key_file, tls.cert_file, tls.ca_file,
      static_cast<unsigned>(std::max<int64_t>(1, tls.refresh.count())));
  gx::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  options.watch_root_certs();
  if (!tls.cert_file.empty()) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

std::shared_ptr<grpc::Channel> Dial(const std::string& address, const ClientTls& tls,
                                    grpc::ChannelArguments args) {
  if (tls.enabled() && !tls.server_name.empty()) {
    args.SetSslTargetNameOverride(tls.server_name);
  }
  return grpc::CreateCustomChannel(address, ChannelCredentials(tls), args);
}

}  // namespace zs::rpc
