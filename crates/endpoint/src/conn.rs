//! One client connection's byte stream: plaintext or TLS, with bounded read and write buffers.
//!
//! Reads cut exactly one message at a time out of the read buffer; writes encode backend
//! messages into the write buffer, which is written out at Sync/Flush/ReadyForQuery or once it
//! passes `Limits::write_buffer_bytes_flush`. Both buffers are released when they grew past
//! `Limits::buffer_bytes_retain_max` and are drained, so idle connections stay small.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use pgwire::messages::PgWireBackendMessage;
use pgwire::tokio::tokio_rustls::server::TlsStream;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::config::Limits;
use crate::protocol::{self, DecodeError, FrontendMessage, StartupPacket};

/// Plain TCP or TLS over TCP.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Why reading a message stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection or the socket failed: nothing to report.
    Closed,
    /// The bytes were not a valid message.
    Decode(DecodeError),
}

impl From<DecodeError> for ReadError {
    fn from(e: DecodeError) -> Self {
        ReadError::Decode(e)
    }
}

/// Initial read buffer size (PostgreSQL's PQ_RECV_BUFFER_SIZE).
const READ_CHUNK_BYTES: usize = 8192;

/// Largest message before authentication completes (PostgreSQL's PQ_SMALL_MESSAGE_LIMIT):
/// an unauthenticated client cannot make the server buffer more than this.
pub const PRE_AUTH_MESSAGE_BYTES_MAX: usize = 10_000;

pub struct Conn {
    pub stream: Stream,
    read_buf: BytesMut,
    write_buf: BytesMut,
    limits: Limits,
    /// The current bound on one frontend message; raised after authentication.
    message_bytes_max: usize,
}

impl Conn {
    pub fn new(stream: Stream, limits: Limits) -> Self {
        Conn {
            stream,
            read_buf: BytesMut::new(),
            write_buf: BytesMut::new(),
            message_bytes_max: PRE_AUTH_MESSAGE_BYTES_MAX.min(limits.message_bytes_max),
            limits,
        }
    }

    /// Authentication succeeded: accept messages up to `Limits::message_bytes_max`.
    pub fn authenticated(&mut self) {
        self.message_bytes_max = self.limits.message_bytes_max;
    }

    /// Bytes received but not yet consumed (must be none when TLS starts).
    pub fn has_buffered_input(&self) -> bool {
        !self.read_buf.is_empty()
    }

    pub fn into_stream(self) -> Stream {
        self.stream
    }

    /// Read more bytes; `Closed` on EOF. Never reserves more than one chunk ahead.
    async fn fill(&mut self) -> Result<(), ReadError> {
        if self.read_buf.capacity() - self.read_buf.len() < 1024 {
            self.read_buf.reserve(READ_CHUNK_BYTES);
        }
        match self.stream.read_buf(&mut self.read_buf).await {
            Ok(0) | Err(_) => Err(ReadError::Closed),
            Ok(_) => Ok(()),
        }
    }

    /// Drop empty buffers entirely before waiting for a client that may stay idle for
    /// hours: an idle connection then holds no buffer memory beyond the TLS state.
    pub fn release_idle_buffers(&mut self) {
        if self.read_buf.is_empty() {
            self.read_buf = BytesMut::new();
        }
        if self.write_buf.is_empty() {
            self.write_buf = BytesMut::new();
        }
    }

    fn release_if_drained(&mut self) {
        if self.read_buf.is_empty()
            && self.read_buf.capacity() > self.limits.buffer_bytes_retain_max
        {
            self.read_buf = BytesMut::new();
        }
    }

    pub async fn read_startup(&mut self) -> Result<StartupPacket, ReadError> {
        loop {
            if let Some(len) = protocol::startup_packet_len(&self.read_buf)? {
                let packet = self.read_buf.split_to(len);
                self.release_if_drained();
                return Ok(protocol::decode_startup(&packet)?);
            }
            self.fill().await?;
        }
    }

    pub async fn read_message(&mut self) -> Result<FrontendMessage, ReadError> {
        loop {
            if let Some(len) = protocol::message_len(&self.read_buf, self.message_bytes_max)? {
                let message = self.read_buf.split_to(len);
                self.release_if_drained();
                return Ok(protocol::decode_message(&message)?);
            }
            self.fill().await?;
        }
    }

    /// True when a complete message is already buffered (pipelined input).
    pub fn has_buffered_message(&self) -> bool {
        matches!(
            protocol::message_len(&self.read_buf, self.message_bytes_max),
            Ok(Some(_))
        )
    }

    /// Buffer one backend message; writes out when the buffer passes its threshold.
    pub async fn send(&mut self, message: PgWireBackendMessage) -> io::Result<()> {
        message
            .encode(&mut self.write_buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        if self.write_buf.len() >= self.limits.write_buffer_bytes_flush {
            self.write_out().await?;
        }
        Ok(())
    }

    async fn write_out(&mut self) -> io::Result<()> {
        if !self.write_buf.is_empty() {
            self.stream.write_all(&self.write_buf).await?;
            self.write_buf.clear();
        }
        if self.write_buf.capacity() > self.limits.buffer_bytes_retain_max {
            self.write_buf = BytesMut::new();
        }
        Ok(())
    }

    /// Write everything buffered and flush the stream (TLS included).
    pub async fn flush(&mut self) -> io::Result<()> {
        self.write_out().await?;
        self.stream.flush().await
    }

    /// Write a single raw byte immediately (SSLRequest/GSSENCRequest answers).
    pub async fn send_byte(&mut self, byte: u8) -> io::Result<()> {
        self.stream.write_all(&[byte]).await?;
        self.stream.flush().await
    }

    pub async fn shutdown(&mut self) {
        let _ = self.flush().await;
        let _ = self.stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// After a large message, an idle connection holds no buffer memory.
    #[tokio::test]
    async fn idle_connection_releases_its_buffers() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let client = tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let query = vec![b'x'; 1 << 20];
            let mut message = vec![b'Q'];
            message.extend_from_slice(&((query.len() + 5) as u32).to_be_bytes());
            message.extend_from_slice(&query);
            message.push(0);
            stream.write_all(&message).await.expect("write");
            let mut reply = vec![0u8; 5];
            stream.read_exact(&mut reply).await.expect("read");
        });
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut conn = Conn::new(Stream::Plain(tcp), Limits::default());
        conn.authenticated();
        match conn.read_message().await {
            Ok(FrontendMessage::Query(q)) => assert_eq!(q.len(), 1 << 20),
            other => panic!("unexpected {other:?}"),
        }
        assert!(conn.read_buf.capacity() <= Limits::default().buffer_bytes_retain_max);
        let mut data = BytesMut::new();
        data.extend_from_slice(&200_000i32.to_be_bytes());
        data.extend_from_slice(&[b'x'; 200_000]);
        let big = pgwire::messages::data::DataRow::new(data, 1);
        conn.send(PgWireBackendMessage::DataRow(big))
            .await
            .expect("send");
        conn.flush().await.expect("flush");
        conn.release_idle_buffers();
        assert_eq!(conn.read_buf.capacity(), 0);
        assert_eq!(conn.write_buf.capacity(), 0);
        client.await.expect("client");
    }
}
