# The __NAME__ handler. Build: docker build -t __NAME__-handler .
FROM python:3.13-slim
WORKDIR /app
COPY handler.py .
RUN useradd --system --uid 10001 handler
USER 10001
ENV PORT=8080
EXPOSE 8080
CMD ["python3", "handler.py"]
