# The __NAME__ handler. Build: docker build -t __NAME_DASHED__-handler .
FROM node:22-slim
WORKDIR /app
COPY package.json handler.mjs ./
USER node
ENV PORT=8080
EXPOSE 8080
CMD ["node", "handler.mjs"]
