//! What go-plugin expects beside the tfplugin6 service: the
//! `GRPCController`, `GRPCStdio`, `GRPCBroker` and health services, the
//! router that puts them all on one server, and the transport: a unix
//! socket announced on stdout, with mutual TLS.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;
use tonic::{Request, Response, Status};

use super::handshake;
use super::proto::health::{self, health_server};
use super::proto::plugin::{self, grpc_broker_server, grpc_controller_server, grpc_stdio_server};
use super::proto::provider_server;
use super::server::ProviderService;
use super::{CancellationToken, Provider};

/// Terraform sends whole states in one message; allow large ones.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

type Rsp<T> = Result<Response<T>, Status>;

/// `GRPCController`, `GRPCStdio`, `GRPCBroker` and health: the services
/// go-plugin expects beside the provider.
#[derive(Clone)]
struct PluginServices {
    shutdown: CancellationToken,
}

type Quiet<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

impl PluginServices {
    /// A stream that carries nothing and ends at shutdown.
    fn quiet<T: Send + 'static>(&self) -> Quiet<T> {
        Box::pin(
            futures_util::stream::once(self.shutdown.clone().cancelled_owned())
                .filter_map(|_| async { None }),
        )
    }
}

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for PluginServices {
    async fn shutdown(&self, _: Request<plugin::Empty>) -> Rsp<plugin::Empty> {
        tracing::debug!("shutdown requested by terraform");
        self.shutdown.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for PluginServices {
    type StreamStdioStream = Quiet<plugin::StdioData>;
    async fn stream_stdio(&self, _: Request<plugin::Empty>) -> Rsp<Self::StreamStdioStream> {
        Ok(Response::new(self.quiet()))
    }
}

#[tonic::async_trait]
impl grpc_broker_server::GrpcBroker for PluginServices {
    type StartStreamStream = Quiet<plugin::ConnInfo>;
    async fn start_stream(
        &self,
        _: Request<tonic::Streaming<plugin::ConnInfo>>,
    ) -> Rsp<Self::StartStreamStream> {
        Ok(Response::new(self.quiet()))
    }
}

#[tonic::async_trait]
impl health_server::Health for PluginServices {
    async fn check(
        &self,
        req: Request<health::HealthCheckRequest>,
    ) -> Rsp<health::HealthCheckResponse> {
        use health::health_check_response::ServingStatus;
        let status = match req.into_inner().service.as_str() {
            "" | "plugin" => ServingStatus::Serving,
            _ => ServingStatus::ServiceUnknown,
        };
        Ok(Response::new(health::HealthCheckResponse {
            status: status as i32,
        }))
    }
}

/// Every service of the plugin on one router. `shutdown` is cancelled when
/// Terraform calls `GRPCController.Shutdown`.
pub fn router<P: Provider>(
    provider: P,
    shutdown: CancellationToken,
) -> tonic::transport::server::Router {
    let plugin = PluginServices { shutdown };
    tonic::transport::Server::builder()
        .add_service(
            provider_server::ProviderServer::new(ProviderService::new(provider))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(grpc_controller_server::GrpcControllerServer::new(
            plugin.clone(),
        ))
        .add_service(grpc_stdio_server::GrpcStdioServer::new(plugin.clone()))
        .add_service(grpc_broker_server::GrpcBrokerServer::new(plugin.clone()))
        .add_service(health_server::HealthServer::new(plugin))
}

// ------------------------------------------------------------- transport

/// A TLS connection on the plugin's unix socket.
struct TlsConn(tokio_rustls::server::TlsStream<UnixStream>);

impl tonic::transport::server::Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Serve the plugin as Terraform expects: bind the unix socket, announce it
/// on stdout with the server certificate, and serve mutual TLS until
/// Terraform calls `Shutdown`.
pub async fn serve<P: Provider>(
    provider: P,
    negotiated: handshake::Negotiated,
) -> Result<(), handshake::HandshakeError> {
    let tls = handshake::server_tls(&negotiated.client_cert_pem)?;
    let socket = handshake::SocketDir::create(negotiated.socket_dir.as_deref())?;
    let listener =
        tokio::net::UnixListener::bind(socket.path()).map_err(handshake::HandshakeError::Io)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());

    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<TlsConn>>(8);
    tokio::spawn(async move {
        loop {
            let sock = match listener.accept().await {
                Ok((sock, _)) => sock,
                Err(e) => {
                    tracing::error!("accepting a connection failed: {e}");
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            // Handshake each connection on its own task so one slow or
            // refused client cannot hold up the others.
            tokio::spawn(async move {
                match acceptor.accept(sock).await {
                    Ok(stream) => {
                        let _ = tx.send(Ok(TlsConn(stream))).await;
                    }
                    Err(e) => tracing::warn!(
                        "refused a connection without the expected client certificate: {e}"
                    ),
                }
            });
        }
    });

    handshake::announce(socket.path(), &tls.cert_der);

    let shutdown = CancellationToken::new();
    let incoming = tokio_stream::wrappers::ReceiverStream::new(rx);
    let served = router(provider, shutdown.clone())
        .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned());
    served
        .await
        .map_err(|e| handshake::HandshakeError::Serve(e.to_string()))?;
    tracing::debug!("server stopped");
    Ok(())
}
